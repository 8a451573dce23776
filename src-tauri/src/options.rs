//! Command-line options of the desktop app.

use std::path::PathBuf;

pub(crate) const USAGE: &str = "usage: crm [--db <path to .sqlite3 file>] [--demo]

  --db <path>   use this database file (default: $CRM_DB, else the per-user data folder)
  --demo        fill an empty database with demo companies and contacts";

pub(crate) const DEMO_SEED: u64 = 42;
pub(crate) const DEMO_COMPANIES: usize = 60;

#[derive(Debug, PartialEq)]
pub(crate) struct Options {
    pub database: PathBuf,
    pub demo: bool,
}

impl Options {
    pub fn from_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut database = None;
        let mut demo = false;
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--db" => database = Some(PathBuf::from(args.next().ok_or("--db needs a file path")?)),
                "--demo" => demo = true,
                "-h" | "--help" => return Err("Keel CRM".into()),
                other if other.starts_with("--db=") => database = Some(PathBuf::from(&other[5..])),
                // Tauri and WebDriver may pass their own flags; ignore what is not ours.
                _ => {}
            }
        }
        let database = match database.or_else(|| std::env::var_os("CRM_DB").map(PathBuf::from)) {
            Some(path) => path,
            None => default_database()?,
        };
        Ok(Options { database, demo })
    }
}

/// `crm.sqlite3` in the per-user data folder: `~/.local/share/keelcrm` on Linux,
/// `~/Library/Application Support/org.keelcrm.Keel-CRM` on macOS, `%APPDATA%\keelcrm\Keel CRM\data`
/// on Windows.
fn default_database() -> Result<PathBuf, String> {
    directories::ProjectDirs::from("org", "keelcrm", "Keel CRM")
        .map(|dirs| dirs.data_dir().join("crm.sqlite3"))
        .ok_or_else(|| "cannot find a home folder for the database; pass --db <path>".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::from_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flag_wins_over_environment_and_default() {
        assert_eq!(parse(&["--db", "/tmp/a.sqlite3", "--demo"]).unwrap(), Options { database: "/tmp/a.sqlite3".into(), demo: true });
        assert_eq!(parse(&["--db=/tmp/b.sqlite3"]).unwrap().database, PathBuf::from("/tmp/b.sqlite3"));
        assert!(parse(&["--db"]).is_err());
    }

    #[test]
    fn default_is_in_the_user_data_folder() {
        if std::env::var_os("CRM_DB").is_none() {
            let path = parse(&[]).unwrap().database;
            assert!(path.ends_with("crm.sqlite3"), "{path:?}");
            assert!(path.is_absolute());
        }
    }
}

//! The dependency rule of ARCHITECTURE.md, checked against what cargo actually resolves:
//! - the UI never depends on the core, on rusqlite/SQLite or on tauri;
//! - the core never depends on tauri (or anything windowing);
//! - the wire-types crate depends on neither the store nor the shell.

use std::{
    collections::{BTreeSet, HashMap},
    path::Path,
};

use cargo_metadata::{Metadata, MetadataCommand, PackageId};

fn metadata(manifest: &str) -> Metadata {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    MetadataCommand::new().manifest_path(root.join(manifest)).exec().unwrap_or_else(|e| panic!("cargo metadata for {manifest}: {e}"))
}

/// Names of every package `package` depends on, directly or not (normal and build dependencies).
fn transitive_dependencies(metadata: &Metadata, package: &str) -> BTreeSet<String> {
    let resolve = metadata.resolve.as_ref().expect("a resolved graph");
    let nodes: HashMap<&PackageId, _> = resolve.nodes.iter().map(|node| (&node.id, node)).collect();
    let names: HashMap<&PackageId, &str> = metadata.packages.iter().map(|p| (&p.id, p.name.as_str())).collect();
    let start = metadata.packages.iter().find(|p| p.name.as_str() == package).unwrap_or_else(|| panic!("no package {package}"));
    let mut seen = BTreeSet::new();
    let mut stack = vec![&start.id];
    while let Some(id) = stack.pop() {
        for dep in &nodes[id].deps {
            let normal_or_build = dep.dep_kinds.iter().any(|k| k.kind != cargo_metadata::DependencyKind::Development);
            if normal_or_build && seen.insert(names[&dep.pkg].to_owned()) {
                stack.push(&dep.pkg);
            }
        }
    }
    seen
}

fn assert_free_of(metadata: &Metadata, package: &str, forbidden: &[&str]) {
    let deps = transitive_dependencies(metadata, package);
    assert!(!deps.is_empty() || package == "xtask", "{package} resolved no dependencies: the check would pass vacuously");
    let found: Vec<&String> = deps.iter().filter(|d| forbidden.iter().any(|f| d.as_str() == *f || d.starts_with(&format!("{f}-")))).collect();
    assert!(found.is_empty(), "{package} must not depend on {found:?} (see ARCHITECTURE.md, dependency rule)");
}

#[test]
fn the_ui_never_depends_on_the_core_the_store_or_tauri() {
    let ui = metadata("ui/Cargo.toml");
    assert_free_of(&ui, "crm-ui", &["crm-core", "rusqlite", "libsqlite3-sys", "tauri", "crm-desktop"]);
    assert!(transitive_dependencies(&ui, "crm-ui").contains("crm-model"), "the UI speaks crm-model's types");
}

#[test]
fn the_core_never_depends_on_tauri_or_a_window_toolkit() {
    let workspace = metadata("Cargo.toml");
    assert_free_of(&workspace, "crm-core", &["tauri", "wry", "tao", "gtk", "webkit2gtk", "crm-desktop", "crm-ui"]);
    assert!(transitive_dependencies(&workspace, "crm-core").contains("rusqlite"));
}

#[test]
fn the_wire_types_stay_small_and_portable() {
    let workspace = metadata("Cargo.toml");
    assert_free_of(&workspace, "crm-model", &["crm-core", "rusqlite", "libsqlite3-sys", "tauri", "tokio"]);
}

#[test]
fn the_sync_rules_are_shared_without_the_desktop() {
    // The sync server depends on crm-sync; so crm-sync must carry nothing of the desktop.
    let workspace = metadata("Cargo.toml");
    assert_free_of(&workspace, "crm-sync", &["crm-core", "crm-model", "crm-desktop", "rusqlite", "libsqlite3-sys", "tauri", "tokio"]);
}

#[test]
fn the_sync_server_never_depends_on_the_desktop_crates() {
    let workspace = metadata("Cargo.toml");
    assert_free_of(&workspace, "crm-server", &["crm-core", "crm-model", "crm-desktop", "crm-ui", "tauri", "wry", "tao"]);
    assert!(transitive_dependencies(&workspace, "crm-server").contains("crm-sync"), "the server speaks crm-sync's protocol");
}

#[test]
fn the_checker_itself_catches_a_forbidden_dependency() {
    // The desktop shell depends on tauri and the core: if the walk missed them, every rule above
    // would pass vacuously.
    let workspace = metadata("Cargo.toml");
    let desktop = transitive_dependencies(&workspace, "crm-desktop");
    assert!(desktop.contains("tauri") && desktop.contains("crm-core") && desktop.contains("libsqlite3-sys"));
}

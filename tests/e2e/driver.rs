//! Starting tauri-driver and the app, and small waiting helpers over fantoccini.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(20);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct TauriDriver {
    child: Child,
    url: String,
}

impl TauriDriver {
    pub async fn start() -> TauriDriver {
        let (port, native_port) = (free_port(), free_port());
        let child = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("tauri-driver on PATH (cargo xtask setup --for test installs it)");
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < TIMEOUT, "tauri-driver did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        TauriDriver { child, url }
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        // SIGTERM, not SIGKILL: killing tauri-driver outright orphans its WebKitWebDriver child,
        // which keeps the native port.
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

pub struct App {
    pub client: Client,
}

fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e")
}

impl App {
    pub async fn launch(driver: &TauriDriver, database: &Path) -> App {
        let application = std::env::var("CRM_APP").expect("CRM_APP: the path of the built app");
        let capabilities = json!({
            "browserName": "wry",
            "tauri:options": { "application": application, "args": ["--db", database.to_str().unwrap()] }
        });
        let mut builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(capabilities.as_object().unwrap().clone());
        // A new-session request hangs forever if the app dies at start.
        let client = tokio::time::timeout(Duration::from_secs(60), builder.connect(&driver.url))
            .await
            .expect("the app window did not open within 60 s")
            .expect("WebDriver session");
        let app = App { client };
        app.wait_for(".shell").await;
        app
    }

    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        let found = self.client.wait().at_most(TIMEOUT).for_element(Locator::Css(css)).await;
        match found {
            Ok(element) => element,
            Err(error) => {
                let boot = self.boot_error().await;
                self.screenshot("failure").await;
                panic!("{css} did not appear: {error}{boot}");
            }
        }
    }

    async fn boot_error(&self) -> String {
        let script = "const e = document.getElementById('boot-error'); return e && !e.hidden ? e.textContent : '';";
        match self.client.execute(script, vec![]).await {
            Ok(serde_json::Value::String(text)) if !text.is_empty() => format!(" (start-up error: {text})"),
            _ => String::new(),
        }
    }

    /// Wait until the element matching `css` contains `text`.
    pub async fn wait_text(&self, css: &str, text: &str) {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < TIMEOUT {
            // `innerText` (what the page lays out), not WebDriver's element text: the WebDriver
            // visibility heuristics drop text in table cells that clip with `overflow: hidden`.
            let script = "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;";
            if let Ok(serde_json::Value::String(text_now)) = self.client.execute(script, vec![css.into()]).await {
                last = text_now;
                if last.contains(text) {
                    return;
                }
            }
            // A panic in the UI shows in the boot-error banner: stop at the step that caused it.
            let broken = self.boot_error().await;
            if !broken.is_empty() {
                self.screenshot("failure").await;
                panic!("the UI failed while waiting for {css} to contain {text:?}{broken}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot("failure").await;
        panic!("{css} never contained {text:?}; last text: {last:?}{}", self.boot_error().await);
    }

    /// Wait until the input matching `css` holds `value` (forms load their record asynchronously).
    pub async fn wait_value(&self, css: &str, value: &str) {
        let started = Instant::now();
        loop {
            let element = self.wait_for(css).await;
            if element.prop("value").await.ok().flatten().as_deref() == Some(value) {
                return;
            }
            if started.elapsed() > TIMEOUT {
                self.screenshot("failure").await;
                panic!("{css} never held {value:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Click the first element matching `css` whose text contains `text`.
    /// Wait until the field's value contains `part` (for values the app fills in itself).
    pub async fn wait_value_contains(&self, css: &str, part: &str) {
        let started = Instant::now();
        loop {
            let element = self.wait_for(css).await;
            if element.prop("value").await.ok().flatten().is_some_and(|value| value.contains(part)) {
                return;
            }
            if started.elapsed() > TIMEOUT {
                self.screenshot("failure").await;
                panic!("{css} never contained {part:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click_text(&self, css: &str, text: &str) {
        let started = Instant::now();
        while started.elapsed() < TIMEOUT {
            for element in self.client.find_all(Locator::Css(css)).await.unwrap_or_default() {
                if element.text().await.unwrap_or_default().contains(text) {
                    element.click().await.unwrap_or_else(|e| panic!("clicking {css} {text:?}: {e}"));
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.screenshot("failure").await;
        panic!("no {css} with text {text:?}");
    }

    /// Choose the option whose label contains `label` in the drop-down `css`, as a user would.
    pub async fn choose(&self, css: &str, label: &str) {
        let select = self.wait_for(css).await;
        let started = Instant::now();
        let xpath = format!(".//option[contains(., '{label}')]");
        while select.find(Locator::XPath(&xpath)).await.is_err() {
            assert!(started.elapsed() < TIMEOUT, "{css} never offered {label:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // WebKitWebDriver takes an element clipped by the scrolling main area (just above the
        // status bar) as in view and clicks the status bar instead: bring it to the middle first.
        self.client.execute("document.querySelector(arguments[0]).scrollIntoView({ block: 'center' })", vec![css.into()]).await.unwrap_or_else(|e| panic!("scrolling to {css}: {e}"));
        if let Err(e) = select.select_by(Locator::XPath(&xpath)).await {
            self.screenshot("failure").await;
            panic!("choosing {label:?} in {css}: {e}");
        }
    }

    /// Click `css`, finding it again if the page re-rendered it between finding and clicking.
    pub async fn click(&self, css: &str) {
        let started = Instant::now();
        loop {
            let element = self.wait_for(css).await;
            // As in `choose`: an element just above the status bar is taken as in view.
            let _ = self.client.execute("document.querySelector(arguments[0])?.scrollIntoView({ block: 'nearest' })", vec![css.into()]).await;
            match element.click().await {
                Ok(()) => return,
                Err(error) if started.elapsed() > TIMEOUT => panic!("clicking {css}: {error}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// Set an input's value the way the page sees typing (an `input` event), for inputs whose
    /// native pickers WebDriver cannot type into (`datetime-local` in WebKitGTK).
    pub async fn set_value(&self, css: &str, value: &str) {
        self.wait_for(css).await;
        let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                      e.dispatchEvent(new Event('input', { bubbles: true })); e.dispatchEvent(new Event('change', { bubbles: true }));";
        self.client.execute(script, vec![css.into(), value.into()]).await.unwrap_or_else(|e| panic!("setting {css}: {e}"));
    }

    /// Like [`App::wait_text`] with a longer patience, for what the app refreshes on a timer.
    pub async fn wait_text_for(&self, css: &str, text: &str, patience: Duration) {
        let started = Instant::now();
        loop {
            let mut seen = String::new();
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                seen = element.text().await.unwrap_or_else(|e| format!("(unreadable: {e})"));
                if seen.is_empty() {
                    // WebKitWebDriver sometimes reports no text for an element a timer keeps
                    // re-rendering; the DOM's own text is what the user sees.
                    let script = "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';";
                    seen = self.client.execute(script, vec![css.into()]).await.ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
                }
                if seen.contains(text) {
                    return;
                }
            }
            if started.elapsed() > patience {
                self.screenshot("failure").await;
                panic!("{css} never contained {text:?} within {patience:?}; it said {seen:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Wait until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        let started = Instant::now();
        while self.client.find(Locator::Css(css)).await.is_ok() {
            if started.elapsed() > TIMEOUT {
                self.screenshot("failure").await;
                panic!("{css} did not go away");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        self.wait_for(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(screenshot_dir()).unwrap();
        std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
    }

    pub async fn quit(self) {
        self.client.close().await.expect("closing the session closes the app");
    }
}

/// The desktop's notification service for the test: a real notification daemon (dunst) on the
/// session bus that `./x test` starts (`dbus-run-session`), and `dbus-monitor` recording every
/// `Notify` call the app makes, so the test sees what a user's desktop would show.
pub struct Notifications {
    daemon: Child,
    monitor: Child,
    log: std::path::PathBuf,
}

impl Notifications {
    pub async fn start(folder: &std::path::Path) -> Notifications {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "no D-Bus session bus: run the end-to-end test through `./x test` (it uses dbus-run-session)"
        );
        let daemon = Command::new("dunst").stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("dunst (./x test installs it)");
        let log = folder.join("notifications.log");
        let monitor = Command::new("dbus-monitor")
            .args(["--session", "interface='org.freedesktop.Notifications',member='Notify'"])
            .stdout(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("dbus-monitor (package dbus-bin)");
        // Both are ready once the daemon owns its bus name.
        let started = Instant::now();
        loop {
            let owner = Command::new("dbus-send")
                .args(["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.Notifications"])
                .output()
                .expect("dbus-send");
            if String::from_utf8_lossy(&owner.stdout).contains("boolean true") {
                break;
            }
            assert!(started.elapsed() < TIMEOUT, "dunst did not take the notification service name");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Notifications { daemon, monitor, log }
    }

    /// Wait until the app has sent a notification whose text contains `text`.
    pub async fn wait_for(&self, text: &str, patience: Duration) {
        let started = Instant::now();
        while !std::fs::read_to_string(&self.log).unwrap_or_default().contains(text) {
            assert!(started.elapsed() < patience, "no desktop notification with {text:?} within {patience:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        let _ = self.monitor.kill();
        let _ = self.daemon.kill();
        let _ = self.monitor.wait();
        let _ = self.daemon.wait();
    }
}

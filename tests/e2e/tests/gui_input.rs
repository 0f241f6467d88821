//! The window under real pointer input (xdotool on the X display): what WebDriver cannot send.

use desk_e2e::{Gui, GUI_LOCK};

/// Runs xdotool with `args`; its standard output.
fn xdotool(args: &[&str]) -> String {
    let out = std::process::Command::new("xdotool")
        .args(args)
        .output()
        .expect("xdotool runs (cargo xtask test installs it)");
    assert!(out.status.success(), "xdotool {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The app's visible window on the X display.
fn app_window() -> String {
    xdotool(&["search", "--onlyvisible", "--name", "SCIM Desk"])
        .lines()
        .last()
        .expect("the app's window is on the display")
        .to_string()
}

/// Where the outer boxes of the window stand: each one's scrollTop, the header's top, and the
/// scroll of the panel at `panel` (a CSS selector).
async fn scroll_state(gui: &Gui, panel: &str) -> serde_json::Value {
    gui.client
        .execute(
            r#"const panel = document.querySelector(arguments[0]);
               const outer = [document.scrollingElement, document.body,
                 document.getElementById("root"), document.querySelector(".app"),
                 document.querySelector("main"), document.querySelector('[data-testid="detail-panel"]')];
               return {outer: outer.map((e) => (e ? e.scrollTop : 0)),
                       panel: panel ? panel.scrollTop : -1,
                       headTop: document.querySelector(".main-head").getBoundingClientRect().top};"#,
            vec![serde_json::json!(panel)],
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn the_wheel_past_a_panels_end_scrolls_the_panel_only_never_the_window() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let server = desk_e2e::seeded_scim2_server(3, 30, 4).await;
    let gui = Gui::start().await;
    gui.add_and_sync("HR", &server).await;
    gui.by_id("directory-row").await.click().await.unwrap();
    gui.by_id("detail-panel").await;
    let body = r#"[data-testid="detail-panel"] .detail-body"#;
    let rect = gui
        .client
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();
             return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)];",
            vec![serde_json::json!(body)],
        )
        .await
        .unwrap();
    let (x, y) = (rect[0].to_string(), rect[1].to_string());
    let window = app_window();
    xdotool(&["mousemove", "--window", &window, &x, &y]);
    // Far past the end of the record: 60 notches of the wheel, then 60 more.
    for _ in 0..2 {
        xdotool(&["click", "--repeat", "60", "--delay", "5", "5"]);
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    }
    let state = scroll_state(&gui, body).await;
    assert!(
        state["panel"].as_f64().unwrap() > 0.0,
        "the wheel reached the panel: {state}"
    );
    assert_eq!(
        state["outer"],
        serde_json::json!([0, 0, 0, 0, 0, 0]),
        "only the panel scrolls: {state}"
    );
    assert!(state["headTop"].as_f64().unwrap() >= 0.0, "{state}");
    gui.screenshot("wheel-past-the-end").await;
    gui.close().await;
}

#[tokio::test]
async fn a_click_on_a_department_bar_lists_the_people_it_counts() {
    let _one_at_a_time = GUI_LOCK.lock().await;
    let server = desk_e2e::seeded_scim2_server(7, 300, 20).await;
    let gui = Gui::start().await;
    gui.add_and_sync("HR", &server).await;
    gui.click("tab-overview").await;
    let chart = gui.by_id("chart-departments").await;
    // "Engineering: 102, Sales: 48, ...": the largest department is the first bar.
    let label = chart.attr("aria-label").await.unwrap().unwrap();
    let (first, counted) = label.split(", ").next().unwrap().rsplit_once(": ").unwrap();
    let (first, counted) = (first.to_string(), counted.to_string());
    let window = app_window();
    // The first bar is near the top of the chart: a real click, down the chart until it lands.
    for tenth in 4..20 {
        if !gui.all_by_id("chart-departments").await.is_empty() {
            let at = gui
                .client
                .execute(
                    "const r = document.querySelector('[data-testid=chart-departments]')
                       .getBoundingClientRect();
                     return [Math.round(r.x + r.width * 0.5),
                             Math.round(r.y + r.height * arguments[0] / 100)];",
                    vec![serde_json::json!(tenth)],
                )
                .await
                .unwrap();
            let (x, y) = (at[0].to_string(), at[1].to_string());
            xdotool(&["mousemove", "--window", &window, &x, &y, "click", "1"]);
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    }
    let filter = gui
        .by_id("filter-input")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(
        filter,
        format!(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \"{first}\""
        )
    );
    gui.until("the list counts what the bar counted", || async {
        gui.by_id("result-count")
            .await
            .text()
            .await
            .is_ok_and(|t| t.starts_with(&format!("{counted} users found")))
    })
    .await;
    gui.close().await;
}

//! Types that cross IPC to the web view (and appear in the CLI's JSON output).
//!
//! They are exported to TypeScript in `ui/src/bindings/` by the `bindings` test below; the
//! committed files must match what the Rust types generate (the drift check).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::error::{ErrorCode, IpcError};

/// Facts about the running app, shown in the status bar and the about box.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// The data folder (database, exports).
    pub data_dir: String,
    /// True when the app was started with `--demo`: the window starts the demo providers.
    pub start_demo: bool,
    /// Crash reports written since the person last dismissed the notice, oldest first.
    pub crash_reports: Vec<String>,
}

/// How a provider authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    None,
    Bearer,
    Basic,
    /// OAuth 2.0 client credentials: client id in `username`, client secret as the secret.
    #[serde(rename = "oauth2")]
    OAuth2,
}

impl AuthKind {
    /// The database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::None => "none",
            AuthKind::Bearer => "bearer",
            AuthKind::Basic => "basic",
            AuthKind::OAuth2 => "oauth2",
        }
    }

    /// Parses the database spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(AuthKind::None),
            "bearer" => Some(AuthKind::Bearer),
            "basic" => Some(AuthKind::Basic),
            "oauth2" => Some(AuthKind::OAuth2),
            _ => None,
        }
    }
}

/// A provider as the person types it in the Add provider dialog (or on the command line).
/// The secret travels once, from the form to the keyring, and is never sent back; the debug
/// form shows `<redacted>` in its place.
#[derive(Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderInput {
    pub name: String,
    pub base_url: String,
    pub auth_kind: AuthKind,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Token (bearer), password (basic) or client secret (OAuth 2.0). Wrapped in `Sensitive`
    /// as soon as it arrives. When editing, absent means "keep the one in the keyring".
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Skip TLS certificate checks: an explicit, visible switch.
    #[serde(default)]
    pub tls_skip_verify: bool,
    /// OAuth 2.0: the token endpoint.
    #[ts(optional)]
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// OAuth 2.0: the scope to ask for, when the provider wants one.
    #[ts(optional)]
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The provider's own certificate authority (PEM text), for a server whose certificate a
    /// public authority did not sign. Replaces the stored one when editing; absent clears it.
    #[ts(optional)]
    #[serde(default)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<String>,
    /// Plain http to a host other than this computer: an explicit, visible switch (the token
    /// travels unencrypted). http to this computer needs no switch.
    #[serde(default)]
    pub allow_plain_http: bool,
    /// When editing: the address (or the OAuth token address) moved to another origin and no
    /// new secret was typed. The stored secret goes to the new origin only with this set,
    /// after the person was told the new host.
    #[serde(default)]
    pub keep_secret_for_new_address: bool,
}

impl std::fmt::Debug for ProviderInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderInput")
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("auth_kind", &self.auth_kind)
            .field("username", &self.username)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("tls_skip_verify", &self.tls_skip_verify)
            .field("token_url", &self.token_url)
            .field("scope", &self.scope)
            .field(
                "ca_certificate",
                &self.ca_certificate.as_ref().map(|_| "<PEM>"),
            )
            .field("allow_plain_http", &self.allow_plain_http)
            .field(
                "keep_secret_for_new_address",
                &self.keep_secret_for_new_address,
            )
            .finish()
    }
}

impl ProviderInput {
    /// A provider reached with a bearer token (`None`: no authentication), TLS verified.
    pub fn bearer(name: &str, base_url: &str, token: Option<&str>) -> Self {
        ProviderInput {
            name: name.into(),
            base_url: base_url.into(),
            auth_kind: if token.is_some() {
                AuthKind::Bearer
            } else {
                AuthKind::None
            },
            username: None,
            secret: token.map(str::to_string),
            tls_skip_verify: false,
            token_url: None,
            scope: None,
            ca_certificate: None,
            allow_plain_http: false,
            keep_secret_for_new_address: false,
        }
    }
}

/// A configured provider, as listed in the sidebar. Holds no secret.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderSummary {
    pub name: String,
    pub base_url: String,
    pub auth_kind: AuthKind,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// True when a secret for this provider is in the keyring (checked when listed).
    pub has_secret: bool,
    pub tls_skip_verify: bool,
    pub is_demo: bool,
    /// A demo provider whose server is not running: the demo runs inside the app and stopped
    /// when it last closed, so this entry answers nothing until the demo is started again.
    pub demo_stopped: bool,
    /// Its values are the truth for people (the HR directory): the People room compares the
    /// other providers with it.
    pub source_of_truth: bool,
    pub created_at: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_sync_at: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The provider's own certificate authority (PEM; public, not a secret).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<String>,
    /// Plain http to a host other than this computer was switched on (NOT ENCRYPTED).
    pub allow_plain_http: bool,
}

/// One line of a capability profile, e.g. `sort: supported`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Capability {
    pub name: String,
    pub value: String,
    pub supported: bool,
}

/// The result of "Test connection".
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReport {
    pub base_url: String,
    /// Round trip of the ServiceProviderConfig request, in milliseconds.
    pub elapsed_ms: u32,
    pub capabilities: Vec<Capability>,
    /// Resource type names the provider serves (e.g. User, Group).
    pub resource_types: Vec<String>,
    /// What the probes found that the provider's documents did not say, in plain words.
    pub notes: Vec<String>,
    /// What SCIM Desk learned from the provider's answers while working with it (applied
    /// over the detected capabilities; empty for a provider not saved yet).
    pub learned: Vec<crate::providers::learned::LearnedFact>,
}

/// Progress of starting the demo providers.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DemoProgress {
    pub stage: String,
    pub done: u32,
    pub total: u32,
}

/// What "Try the demo providers" set up.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DemoReport {
    pub providers: Vec<ProviderSummary>,
    pub users: u32,
    pub groups: u32,
}

/// How the window's filter builder compares a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum FilterType {
    String,
    Boolean,
    DateTime,
}

/// A column of the directory as the window uses it: from the store's one column table
/// (`desk_store::cache::COLUMNS`), generated into `ui/src/bindings/gridColumns.ts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GridColumn {
    /// Its key in a grid row (a field of `DirectoryRow`).
    pub key: String,
    pub label: String,
    /// The SCIM attribute, as a filter names it.
    pub attribute: String,
    /// The key the list sorts by, when it can be sorted by this column.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sort: Option<String>,
    /// The words and the comparison of the filter builder, when it offers the column.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub filter_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub filter_type: Option<FilterType>,
    pub users: bool,
    pub groups: bool,
    /// A column of the grid (else only offered by the filter builder).
    pub grid: bool,
    /// Shown until the person picks columns.
    pub shown: bool,
}

/// The directory's columns, in the grid's order.
pub fn grid_columns() -> Vec<GridColumn> {
    use desk_store::cache::ValueType;
    desk_store::cache::COLUMNS
        .iter()
        .map(|c| GridColumn {
            key: c.key.to_string(),
            label: c.label.to_string(),
            attribute: c.attribute.to_string(),
            sort: c.sort_key().map(str::to_string),
            filter_label: c.builder.map(str::to_string),
            filter_type: c.builder.and(match c.value {
                ValueType::Text | ValueType::Exact => Some(FilterType::String),
                ValueType::Bool => Some(FilterType::Boolean),
                ValueType::Time => Some(FilterType::DateTime),
                ValueType::Count => None,
            }),
            users: c.is_for(false),
            groups: c.is_for(true),
            grid: c.grid,
            shown: c.shown,
        })
        .collect()
}

#[cfg(test)]
mod bindings {
    //! The drift check: the TypeScript in `ui/src/bindings/` must be what these types generate.
    //! Run with `UPDATE_BINDINGS=1` (or `cargo xtask bindings`) to rewrite them.

    use super::*;
    use std::path::{Path, PathBuf};

    fn committed_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../ui/src/bindings")
    }

    fn export_all(dir: &Path) {
        let cfg = ts_rs::Config::new().with_out_dir(dir);
        AppInfo::export_all(&cfg).unwrap();
        ProviderInput::export_all(&cfg).unwrap();
        ProviderSummary::export_all(&cfg).unwrap();
        ConnectionReport::export_all(&cfg).unwrap();
        DemoProgress::export_all(&cfg).unwrap();
        DemoReport::export_all(&cfg).unwrap();
        IpcError::export_all(&cfg).unwrap();
        crate::read::sync::SyncProgress::export_all(&cfg).unwrap();
        crate::read::sync::SyncReport::export_all(&cfg).unwrap();
        crate::read::directory::DirectoryPage::export_all(&cfg).unwrap();
        crate::read::directory::DirectoryQuery::export_all(&cfg).unwrap();
        crate::write::edit::EditRequest::export_all(&cfg).unwrap();
        crate::read::detail::ResourceDetail::export_all(&cfg).unwrap();
        crate::read::detail::MemberPage::export_all(&cfg).unwrap();
        crate::write::edit::EditPreview::export_all(&cfg).unwrap();
        crate::write::edit::SaveOutcome::export_all(&cfg).unwrap();
        crate::write::membership::MembershipChange::export_all(&cfg).unwrap();
        crate::write::conflicts::MergeRequest::export_all(&cfg).unwrap();
        crate::read::overview::Overview::export_all(&cfg).unwrap();
        crate::migrate::MigrationPlan::export_all(&cfg).unwrap();
        crate::migrate::run::RunReport::export_all(&cfg).unwrap();
        crate::migrate::run::RunProgress::export_all(&cfg).unwrap();
        crate::migrate::reports::MigrationRunSummary::export_all(&cfg).unwrap();
        crate::migrate::PlanOptions::export_all(&cfg).unwrap();
        crate::write::import::ImportRequest::export_all(&cfg).unwrap();
        crate::write::import::ImportPreview::export_all(&cfg).unwrap();
        crate::write::import::ImportResult::export_all(&cfg).unwrap();
        crate::read::detail::FormSection::export_all(&cfg).unwrap();
        crate::read::detail::AuditRow::export_all(&cfg).unwrap();
        crate::read::history::SnapshotDiff::export_all(&cfg).unwrap();
        crate::read::history::ResourceVersion::export_all(&cfg).unwrap();
        crate::write::bulk::BulkRequest::export_all(&cfg).unwrap();
        crate::write::bulk::BulkPreview::export_all(&cfg).unwrap();
        crate::write::bulk::BulkReport::export_all(&cfg).unwrap();
        crate::providers::write_check::WriteCheck::export_all(&cfg).unwrap();
        crate::offline::retention::Retention::export_all(&cfg).unwrap();
        desk_store::EncryptProgress::export_all(&cfg).unwrap();
        crate::offline::wipe::WipeSummary::export_all(&cfg).unwrap();
        crate::people::PeopleQuery::export_all(&cfg).unwrap();
        crate::people::PeoplePage::export_all(&cfg).unwrap();
        crate::people::PersonPage::export_all(&cfg).unwrap();
        crate::people::drift::DriftReport::export_all(&cfg).unwrap();
        crate::people::drift::DriftFormat::export_all(&cfg).unwrap();
        crate::people::OffboardRequest::export_all(&cfg).unwrap();
        crate::people::OffboardPlan::export_all(&cfg).unwrap();
        crate::people::OffboardReport::export_all(&cfg).unwrap();
        crate::people::PersonRunProgress::export_all(&cfg).unwrap();
        crate::people::EvidenceFormat::export_all(&cfg).unwrap();
        crate::people::PersonEditRequest::export_all(&cfg).unwrap();
        crate::people::PersonEditPreview::export_all(&cfg).unwrap();
        crate::people::PersonEditReport::export_all(&cfg).unwrap();
        crate::people::OnboardRequest::export_all(&cfg).unwrap();
        crate::people::OnboardPlan::export_all(&cfg).unwrap();
        crate::people::OnboardReport::export_all(&cfg).unwrap();
        crate::people::UsualGroup::export_all(&cfg).unwrap();
        crate::people::MatchRequest::export_all(&cfg).unwrap();
        crate::people::MatchPlan::export_all(&cfg).unwrap();
        crate::people::MatchReport::export_all(&cfg).unwrap();
        crate::links::LinkInput::export_all(&cfg).unwrap();
        crate::links::LinkView::export_all(&cfg).unwrap();
        crate::links::run::LinkRunOptions::export_all(&cfg).unwrap();
        crate::links::run::LinkRunReport::export_all(&cfg).unwrap();
        crate::links::run::LinkRunView::export_all(&cfg).unwrap();
        crate::links::run::LinkProgress::export_all(&cfg).unwrap();
        crate::links::scope::ScopePreview::export_all(&cfg).unwrap();
        GridColumn::export_all(&cfg).unwrap();
        // The column table itself, as data the window reads (one place for each column).
        let columns = serde_json::to_string_pretty(&grid_columns()).unwrap();
        std::fs::write(
            dir.join("gridColumns.ts"),
            format!(
                "// Generated from the store's column table by `cargo xtask bindings`. Do not \
                 edit.\nimport type {{ GridColumn }} from \"./GridColumn\";\n\nexport const \
                 GRID_COLUMNS: GridColumn[] = {columns};\n"
            ),
        )
        .unwrap();
    }

    fn read_dir(dir: &Path) -> std::collections::BTreeMap<String, String> {
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
                    .map(|e| {
                        (
                            e.file_name().to_string_lossy().to_string(),
                            std::fs::read_to_string(e.path()).unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A grid column names a field of the grid's rows, or the window would show it empty.
    #[test]
    fn every_grid_column_is_a_field_of_a_grid_row() {
        let tmp = tempfile::tempdir().unwrap();
        export_all(tmp.path());
        let row = read_dir(tmp.path())
            .remove("DirectoryRow.ts")
            .expect("DirectoryRow is exported");
        for c in grid_columns().iter().filter(|c| c.grid) {
            let field = regex::Regex::new(&format!(r"(^|[\s{{,]){}\??:", c.key)).unwrap();
            assert!(
                field.is_match(&row),
                "{} is not a field of DirectoryRow: {row}",
                c.key
            );
        }
    }

    #[test]
    fn typescript_bindings_match_the_rust_types() {
        let tmp = tempfile::tempdir().unwrap();
        export_all(tmp.path());
        let generated = read_dir(tmp.path());
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            // In a test run (CI, `cargo xtask test`) rewriting would make the drift check
            // pass without checking anything.
            assert!(
                std::env::var_os("CI").is_none(),
                "UPDATE_BINDINGS is set in a CI run: the bindings would be rewritten instead of \
                 checked; unset it (use `cargo xtask bindings` to rewrite them)"
            );
            let dir = committed_dir();
            std::fs::create_dir_all(&dir).unwrap();
            for (name, _) in read_dir(&dir) {
                std::fs::remove_file(dir.join(name)).unwrap();
            }
            for (name, text) in &generated {
                std::fs::write(dir.join(name), text).unwrap();
            }
            return;
        }
        let committed = read_dir(&committed_dir());
        assert_eq!(
            generated.keys().collect::<Vec<_>>(),
            committed.keys().collect::<Vec<_>>(),
            "ui/src/bindings is out of date: run `cargo xtask bindings` and commit the result"
        );
        for (name, text) in &generated {
            assert_eq!(
                Some(text),
                committed.get(name),
                "ui/src/bindings/{name} drifted from the Rust types: run `cargo xtask bindings`"
            );
        }
    }
}

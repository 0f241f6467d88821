//! Presets for providers known to differ from their documents (Entra ID, AWS IAM Identity
//! Center, Google, GitHub EMU, Slack, Okta): what they really do, applied over what discovery
//! found.

use super::*;
use serde::{Deserialize, Serialize};

/// A well-known provider whose documented behaviour is built in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Whatever the documents and probes say.
    Generic,
    /// Microsoft Entra ID as a SCIM provider.
    EntraId,
    /// AWS IAM Identity Center.
    AwsIdentityCenter,
    /// Google Cloud Identity SCIM (lookup only).
    GoogleCloudIdentity,
    /// GitHub Enterprise Managed Users.
    GithubEmu,
    /// Okta as a provider.
    Okta,
    /// Slack.
    Slack,
}

impl Preset {
    /// A name for people.
    pub fn label(self) -> &'static str {
        match self {
            Preset::Generic => "Generic SCIM 2.0",
            Preset::EntraId => "Microsoft Entra ID",
            Preset::AwsIdentityCenter => "AWS IAM Identity Center",
            Preset::GoogleCloudIdentity => "Google Cloud Identity",
            Preset::GithubEmu => "GitHub Enterprise Managed Users",
            Preset::Okta => "Okta",
            Preset::Slack => "Slack",
        }
    }
}

impl CapabilityProfile {
    /// The documented behaviour of a well-known provider (scim-facts), on top of its SPC.
    pub fn apply_preset(&mut self, preset: Preset) {
        self.preset = preset;
        let ua = (
            "User-Agent".to_string(),
            format!("SCIM-Desk/{}", env!("CARGO_PKG_VERSION")),
        );
        match preset {
            Preset::Generic => {}
            Preset::EntraId => {
                self.paging.index = false;
                self.paging.cursor = true;
                self.paging.max_in_flight = 1;
                self.filter.supported = true;
                self.filter.operators = Some(vec!["eq".into(), "ew".into()]);
                self.filter.or = false;
                self.filter.not = false;
                self.filter.value_paths = false;
                self.patch.supported = true;
                self.patch.max_member_adds = Some(20);
                self.patch.max_member_removes = Some(1);
                self.patch.members_alone = true;
                self.put = false;
                self.members_read = MembersRead::FilterPerUser;
                self.search_endpoint = false;
            }
            Preset::AwsIdentityCenter => {
                self.paging.index = false;
                self.paging.cursor = true;
                self.paging.page_size = self.paging.page_size.min(100);
                self.paging.max_page_size = 100;
                self.paging.max_in_flight = 1;
                self.filter.supported = true;
                self.filter.operators = Some(vec!["eq".into()]);
                self.filter.or = false;
                self.filter.not = false;
                self.filter.value_paths = false;
                self.filter.attributes = Some(vec![
                    "userName".into(),
                    "externalId".into(),
                    "id".into(),
                    "displayName".into(),
                    "members.value".into(),
                ]);
                self.bulk.supported = false;
                self.search_endpoint = false;
                self.attributes_param = false;
                self.single_valued_multis = true;
                self.members_read = MembersRead::FilterPerUser;
                self.patch.supported = true;
                self.patch.max_member_adds = Some(100);
                self.patch.max_member_removes = Some(100);
                self.required_headers.push(ua);
                self.rate.max_concurrency = 2;
            }
            Preset::GoogleCloudIdentity => {
                self.paging.requires_filter = true;
                self.paging.index = false;
                self.paging.cursor = false;
                self.filter.supported = true;
                self.filter.operators = Some(vec!["eq".into()]);
                self.filter.attributes = Some(vec!["userName".into()]);
                self.filter.or = false;
                self.filter.not = false;
                self.filter.value_paths = false;
                self.members_read_limit = Some(50);
                self.patch.max_member_adds = Some(1);
                self.patch.max_member_removes = Some(1);
                self.etag = false;
            }
            Preset::GithubEmu => {
                self.required_headers.push(ua);
                self.single_writer = true;
                self.rate.max_concurrency = 1;
                self.rate.min_write_interval_ms = 1000;
                self.rate.writes_per_hour = Some(1000);
            }
            Preset::Okta => {
                // One SCIM base per app connection, bearer token; limits unverified: be gentle.
                self.rate.max_concurrency = 2;
            }
            Preset::Slack => {
                self.rate.max_concurrency = 1;
                self.delete_is_deactivate = true;
            }
        }
    }
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 7] = [
        Preset::Generic,
        Preset::EntraId,
        Preset::AwsIdentityCenter,
        Preset::GoogleCloudIdentity,
        Preset::GithubEmu,
        Preset::Okta,
        Preset::Slack,
    ];
}

//! The capability profile: what a provider supports and how it deviates from the RFC.
//!
//! Built from /ServiceProviderConfig (read leniently), refined by safe probes where the document
//! can lie (see [`crate::discovery`]), started from a preset for the well-known providers, and
//! adjustable by the person through [`ProfileOverrides`]. Everything that talks to a provider
//! (paging, filters, PATCH, Bulk, membership reads) asks the profile instead of assuming.

use serde::{Deserialize, Serialize};
use serde_json::Value;

mod describe;
mod filters;
mod overrides;
mod presets;

pub use describe::CapabilityLine;
pub use overrides::ProfileOverrides;
pub use presets::Preset;

/// How list requests page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Paging {
    /// `startIndex`/`count` paging works.
    pub index: bool,
    /// RFC 9865 cursor paging works.
    pub cursor: bool,
    /// Page size to ask for.
    pub page_size: u32,
    /// The largest page the provider serves (a bigger `count` is cut or refused).
    pub max_page_size: u32,
    /// `startIndex` past the end returns the first page again (SCIMMY): stop on totalResults
    /// and on a repeated page.
    pub repeats_first_page_past_end: bool,
    /// Pages that can be requested at once with index paging.
    pub max_in_flight: u32,
    /// Salesforce-style: `startIndex` beyond this fails; page by `id gt` instead.
    pub max_start_index: Option<u64>,
    /// Listing needs a filter (Google): the directory cannot be browsed, only looked up.
    pub requires_filter: bool,
    /// `startIndex` counts from 0 (learned: asked for 1, the provider skipped its first
    /// record): pages are asked from 0.
    #[serde(default)]
    pub zero_based_index: bool,
    /// `totalResults` is not to be trusted (learned: records came after the announced total):
    /// every read goes on to the provider's own end, an empty page.
    #[serde(default)]
    pub total_unreliable: bool,
}

/// What filters the provider accepts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilterSupport {
    pub supported: bool,
    /// Most results a filtered list returns.
    pub max_results: Option<u32>,
    /// Operators accepted (None: all).
    pub operators: Option<Vec<String>>,
    /// `or` accepted.
    pub or: bool,
    /// `not (...)` accepted.
    pub not: bool,
    /// `attr[...]` value paths accepted.
    pub value_paths: bool,
    /// Attributes that may be filtered on (None: any).
    pub attributes: Option<Vec<String>>,
    /// Largest filter, in nodes (Databricks: 200).
    pub max_nodes: Option<u32>,
    /// Filters on extension attributes work (SCIMMY: they silently return nothing).
    pub extension_attributes: bool,
    /// `userName eq` compares case-sensitively (SCIMMY) although the RFC says it should not:
    /// the provider is taken to compare every text case-sensitively, and comparisons on
    /// attributes that should ignore case are made on this computer.
    pub user_name_eq_case_sensitive: bool,
    /// Attributes whose filters the provider refused (learned): conditions on them are
    /// evaluated on this computer, the rest of the filter is still sent.
    #[serde(default)]
    pub refused_attributes: Vec<String>,
}

/// How PATCH requests must look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchStyle {
    pub supported: bool,
    /// Write `op` capitalised (`Replace`), as some providers expect.
    pub capitalized_ops: bool,
    /// The no-path form (`{"op":"replace","value":{...}}`) is accepted.
    pub no_path_form: bool,
    /// Value-path filters in `path` (`emails[type eq "work"].value`) are accepted.
    pub value_path_filters: bool,
    /// Most members added per request.
    pub max_member_adds: Option<u32>,
    /// Most members removed per request.
    pub max_member_removes: Option<u32>,
    /// Member changes must be alone in their request.
    pub members_alone: bool,
    /// PATCH of a whole extension object fails (SCIMMY): patch its attributes one by one.
    pub whole_extension_fails: bool,
}

/// How group members can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembersRead {
    /// Groups come with their `members`.
    Inline,
    /// Groups never carry members: query `members.value eq "<userId>"` once per user.
    FilterPerUser,
}

/// The Bulk endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BulkSupport {
    pub supported: bool,
    pub max_operations: u32,
    pub max_payload_size: u64,
    /// `bulkId:` references work in paths (SCIMMY: 404).
    pub bulk_id_in_path: bool,
}

/// Rate limits to respect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RateLimits {
    /// Requests in flight at once.
    pub max_concurrency: u32,
    /// Least time between writes, in milliseconds (GitHub EMU: 1 s).
    pub min_write_interval_ms: u32,
    /// Writes per hour, when the provider documents a ceiling.
    pub writes_per_hour: Option<u32>,
}

/// Everything SCIM Desk knows about how to talk to one provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityProfile {
    pub preset: Preset,
    pub paging: Paging,
    pub filter: FilterSupport,
    pub sort: bool,
    pub patch: PatchStyle,
    /// PUT (replace) is accepted.
    pub put: bool,
    /// ETags: `meta.version`, If-Match, If-None-Match.
    pub etag: bool,
    pub bulk: BulkSupport,
    /// POST /.search is served.
    pub search_endpoint: bool,
    /// `attributes=` / `excludedAttributes=` are honoured.
    pub attributes_param: bool,
    pub members_read: MembersRead,
    /// Groups are cut at this many members when read (Google: 50; older FusionAuth: 100).
    pub members_read_limit: Option<u32>,
    /// Multi-valued attributes hold one value only (AWS).
    pub single_valued_multis: bool,
    /// Headers every request must carry (e.g. User-Agent for AWS and GitHub).
    pub required_headers: Vec<(String, String)>,
    /// Booleans may come as strings (`"True"`).
    pub booleans_as_strings: bool,
    /// DELETE of a user only deactivates it (Slack) or unlinks it irreversibly (Atlassian).
    pub delete_is_deactivate: bool,
    /// The provider accepts only one writer (GitHub EMU): warn before ad-hoc writes.
    pub single_writer: bool,
    pub rate: RateLimits,
}

fn supported(spc: &Value, key: &str) -> Option<bool> {
    let v = spc.get(key)?;
    let s = v.get("supported").or(Some(v))?;
    match s {
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(s.eq_ignore_ascii_case("true")),
        Value::Number(n) => Some(n.as_u64().unwrap_or(0) != 0),
        _ => None,
    }
}

fn number(spc: &Value, key: &str, field: &str) -> Option<u64> {
    match spc.get(key)?.get(field)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

impl Default for CapabilityProfile {
    /// What RFC 7644 lets a client assume with no document at all: index paging, no extras.
    fn default() -> Self {
        CapabilityProfile {
            preset: Preset::Generic,
            paging: Paging {
                index: true,
                cursor: false,
                page_size: 100,
                max_page_size: 1000,
                repeats_first_page_past_end: false,
                max_in_flight: 2,
                max_start_index: None,
                requires_filter: false,
                zero_based_index: false,
                total_unreliable: false,
            },
            filter: FilterSupport {
                supported: false,
                max_results: None,
                operators: None,
                or: true,
                not: true,
                value_paths: true,
                attributes: None,
                max_nodes: None,
                extension_attributes: true,
                user_name_eq_case_sensitive: false,
                refused_attributes: Vec::new(),
            },
            sort: false,
            patch: PatchStyle {
                supported: false,
                capitalized_ops: false,
                no_path_form: true,
                value_path_filters: true,
                max_member_adds: None,
                max_member_removes: None,
                members_alone: false,
                whole_extension_fails: false,
            },
            put: true,
            etag: false,
            bulk: BulkSupport {
                supported: false,
                max_operations: 0,
                max_payload_size: 0,
                bulk_id_in_path: true,
            },
            search_endpoint: true,
            attributes_param: true,
            members_read: MembersRead::Inline,
            members_read_limit: None,
            single_valued_multis: false,
            required_headers: Vec::new(),
            booleans_as_strings: false,
            delete_is_deactivate: false,
            single_writer: false,
            rate: RateLimits {
                max_concurrency: 4,
                min_write_interval_ms: 0,
                writes_per_hour: None,
            },
        }
    }
}

impl CapabilityProfile {
    /// Reads a ServiceProviderConfig document leniently ("true", 1, missing sections).
    pub fn from_service_provider_config(spc: &Value) -> Self {
        let mut p = CapabilityProfile::default();
        p.patch.supported = supported(spc, "patch").unwrap_or(false);
        p.filter.supported = supported(spc, "filter").unwrap_or(false);
        // Snowflake once sent maxResults 0 with filters working: treat 0 as "not stated".
        p.filter.max_results = number(spc, "filter", "maxResults")
            .filter(|n| *n > 0)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
        p.sort = supported(spc, "sort").unwrap_or(false);
        p.etag = supported(spc, "etag").unwrap_or(false);
        p.bulk.supported = supported(spc, "bulk").unwrap_or(false);
        p.bulk.max_operations = number(spc, "bulk", "maxOperations")
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
            .unwrap_or(0);
        p.bulk.max_payload_size = number(spc, "bulk", "maxPayloadSize").unwrap_or(0);
        if p.bulk.supported && p.bulk.max_operations == 0 {
            p.bulk.supported = false;
        }
        if let Some(pg) = spc.get("pagination") {
            let flag = |k: &str| match pg.get(k) {
                Some(Value::Bool(b)) => Some(*b),
                Some(Value::String(s)) => Some(s.eq_ignore_ascii_case("true")),
                _ => None,
            };
            p.paging.cursor = flag("cursor").unwrap_or(false);
            p.paging.index = flag("index").unwrap_or(true);
            if let Some(n) = number(spc, "pagination", "defaultPageSize") {
                p.paging.page_size = u32::try_from(n).unwrap_or(100).clamp(1, 1000);
            }
            if let Some(n) = number(spc, "pagination", "maxPageSize") {
                p.paging.max_page_size = u32::try_from(n).unwrap_or(1000).max(1);
            }
        }
        if let Some(max) = p.filter.max_results {
            p.paging.max_page_size = p.paging.max_page_size.min(max);
        }
        p.paging.page_size = p.paging.page_size.min(p.paging.max_page_size);
        p
    }

    /// Splits member additions and removals into PATCH requests within the provider's limits.
    /// Each element is (adds, removes) for one request.
    pub fn member_patch_batches<T: Clone>(
        &self,
        adds: &[T],
        removes: &[T],
    ) -> Vec<(Vec<T>, Vec<T>)> {
        let add_max = self.patch.max_member_adds.unwrap_or(u32::MAX).max(1) as usize;
        let rm_max = self.patch.max_member_removes.unwrap_or(u32::MAX).max(1) as usize;
        let mut out = Vec::new();
        let mut a = adds.chunks(add_max);
        let mut r = removes.chunks(rm_max);
        loop {
            let next_a = a.next();
            let next_r = r.next();
            match (next_a, next_r) {
                (None, None) => break,
                // Entra: adds and removes in separate requests.
                (Some(x), Some(y)) if self.patch.members_alone => {
                    out.push((x.to_vec(), Vec::new()));
                    out.push((Vec::new(), y.to_vec()));
                }
                (x, y) => out.push((
                    x.map(<[T]>::to_vec).unwrap_or_default(),
                    y.map(<[T]>::to_vec).unwrap_or_default(),
                )),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::parse;
    use serde_json::json;

    fn full_spc() -> Value {
        json!({
            "patch": {"supported": true}, "bulk": {"supported": true, "maxOperations": 1000,
            "maxPayloadSize": 1048576}, "filter": {"supported": true, "maxResults": 200},
            "changePassword": {"supported": false}, "sort": {"supported": true},
            "etag": {"supported": false}
        })
    }

    #[test]
    fn reads_a_plain_spc() {
        let p = CapabilityProfile::from_service_provider_config(&full_spc());
        assert!(p.patch.supported && p.sort && p.filter.supported && p.bulk.supported);
        assert!(!p.etag);
        assert_eq!(p.filter.max_results, Some(200));
        assert_eq!(
            p.paging.max_page_size, 200,
            "pages never exceed filter.maxResults"
        );
        assert!(p.paging.index && !p.paging.cursor);
    }

    #[test]
    fn reads_lenient_values() {
        let p = CapabilityProfile::from_service_provider_config(&json!({
            "patch": {"supported": "True"}, "filter": {"supported": 1, "maxResults": 0},
            "bulk": {"supported": true, "maxOperations": 0},
            "pagination": {"cursor": "true", "index": false, "defaultPageSize": "50"}
        }));
        assert!(p.patch.supported && p.filter.supported);
        assert_eq!(
            p.filter.max_results, None,
            "maxResults 0 means unknown, not zero"
        );
        assert!(!p.bulk.supported, "Bulk with 0 operations is no Bulk");
        assert!(p.paging.cursor && !p.paging.index);
        assert_eq!(p.paging.page_size, 50);
        let empty = CapabilityProfile::from_service_provider_config(&json!({}));
        assert!(!empty.filter.supported && !empty.patch.supported && empty.paging.index);
    }

    fn preset(p: Preset) -> CapabilityProfile {
        let mut prof = CapabilityProfile::from_service_provider_config(&full_spc());
        prof.apply_preset(p);
        prof
    }

    #[test]
    fn entra_id_filters_eq_and_ew_with_and_only_and_hides_members() {
        let p = preset(Preset::EntraId);
        assert!(p.accepts_filter(&parse(r#"userName eq "a" and displayName ew "b""#).unwrap()));
        assert!(!p.accepts_filter(&parse(r#"userName co "a""#).unwrap()));
        assert!(!p.accepts_filter(&parse(r#"userName eq "a" or userName eq "b""#).unwrap()));
        assert!(p.paging.cursor && !p.paging.index, "cursor paging only");
        assert!(!p.put, "PUT answers 405");
        assert_eq!(p.members_read, MembersRead::FilterPerUser);
        // <= 20 adds per request, 1 remove per request, never mixed.
        let adds: Vec<u32> = (0..45).collect();
        let removes = [1u32, 2];
        let batches = p.member_patch_batches(&adds, &removes);
        assert!(batches.iter().all(|(a, r)| a.len() <= 20 && r.len() <= 1));
        assert!(
            batches.iter().all(|(a, r)| a.is_empty() || r.is_empty()),
            "no mixing"
        );
        assert_eq!(batches.iter().map(|b| b.0.len()).sum::<usize>(), 45);
        assert_eq!(batches.iter().map(|b| b.1.len()).sum::<usize>(), 2);
    }

    #[test]
    fn aws_identity_center_is_cursor_100_eq_only_no_bulk_one_value() {
        let p = preset(Preset::AwsIdentityCenter);
        assert!(p.paging.max_page_size <= 100 && p.paging.page_size <= 100);
        assert!(!p.paging.index);
        assert!(!p.bulk.supported && !p.search_endpoint && !p.attributes_param);
        assert!(p.single_valued_multis);
        assert!(p.accepts_filter(&parse(r#"userName eq "a""#).unwrap()));
        assert!(
            !p.accepts_filter(&parse(r#"title eq "a""#).unwrap()),
            "fixed attribute set"
        );
        assert!(!p.accepts_filter(&parse(r#"userName sw "a""#).unwrap()));
        assert!(p.required_headers.iter().any(|(k, _)| k == "User-Agent"));
        assert_eq!(p.members_read, MembersRead::FilterPerUser);
        let adds: Vec<u32> = (0..250).collect();
        assert_eq!(
            p.member_patch_batches(&adds, &[]).len(),
            3,
            "<= 100 per PATCH"
        );
    }

    #[test]
    fn google_is_lookup_only_with_one_member_change_per_patch() {
        let p = preset(Preset::GoogleCloudIdentity);
        assert!(p.paging.requires_filter);
        assert!(p.accepts_filter(&parse(r#"userName eq "a""#).unwrap()));
        assert!(!p.accepts_filter(&parse(r#"displayName eq "a""#).unwrap()));
        assert_eq!(p.members_read_limit, Some(50));
        assert_eq!(p.member_patch_batches(&[1, 2, 3], &[]).len(), 3);
        assert!(!p.etag);
    }

    #[test]
    fn github_emu_is_one_slow_writer_with_a_user_agent() {
        let p = preset(Preset::GithubEmu);
        assert!(p.single_writer);
        assert_eq!(p.rate.max_concurrency, 1);
        assert!(p.rate.min_write_interval_ms >= 1000);
        assert_eq!(p.rate.writes_per_hour, Some(1000));
        assert!(p.required_headers.iter().any(|(k, _)| k == "User-Agent"));
    }

    #[test]
    fn slack_deletes_only_deactivate_and_okta_is_gentle() {
        let s = preset(Preset::Slack);
        assert!(s.delete_is_deactivate);
        assert_eq!(s.rate.max_concurrency, 1);
        let o = preset(Preset::Okta);
        assert!(o.rate.max_concurrency <= 2);
        assert!(
            o.accepts_filter(&parse(r#"userName co "a""#).unwrap()),
            "SPC-driven"
        );
    }

    #[test]
    fn overrides_win_and_stay_within_limits() {
        let mut p = CapabilityProfile::from_service_provider_config(&full_spc());
        p.apply_overrides(&ProfileOverrides {
            page_size: Some(5000),
            sort: Some(false),
            max_concurrency: Some(0),
            ..Default::default()
        });
        assert_eq!(p.paging.page_size, 200, "clamped to the provider's maximum");
        assert!(!p.sort);
        assert_eq!(p.rate.max_concurrency, 1);
    }

    #[test]
    fn extension_filters_can_be_declared_unsupported() {
        let mut p = CapabilityProfile::from_service_provider_config(&full_spc());
        p.filter.extension_attributes = false;
        let ext = parse(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x""#,
        )
        .unwrap();
        assert!(!p.accepts_filter(&ext));
        assert!(p.accepts_filter(
            &parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#).unwrap()
        ));
    }

    #[test]
    fn describe_gives_one_line_per_capability() {
        let p =
            CapabilityProfile::from_service_provider_config(&json!({"sort": {"supported": false}}));
        let lines = p.describe();
        let sort = lines.iter().find(|l| l.name == "sort").unwrap();
        assert!(!sort.supported);
        assert_eq!(sort.words, "not supported");
    }
}

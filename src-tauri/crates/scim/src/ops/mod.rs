//! The SCIM operations beyond discovery: queries, paging, conditional reads and writes, PATCH,
//! Bulk (RFC 7644 sections 3.3 to 3.7, RFC 9865 cursors). The transport they go through
//! (addresses, credentials, retries) is [`crate::ScimClient`]'s own, in `client.rs`.

mod bulk;
mod pager;
mod query;
mod resources;

pub use bulk::{BulkOperation, BulkResult, BULK_REQUEST_SCHEMA};
pub use pager::{Pager, PagerEnd, ReadOutcome};
pub use query::{ListPage, ListQuery, PageRequest, SortOrder, SEARCH_REQUEST_SCHEMA};
pub(crate) use resources::id_path;
pub use resources::{Fetched, Written};

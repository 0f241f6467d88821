//! Reading every resource of an endpoint page by page, correcting the ways providers get paging
//! wrong, and saying how the read ended.

use std::collections::{HashSet, VecDeque};

use serde_json::Value;
use tokio::task::JoinHandle;

use super::query::{ListPage, ListQuery, PageRequest};
use crate::profile::CapabilityProfile;
use crate::{ScimClient, ScimError};

/// Why a pager stopped. Only [`PagerEnd::Complete`] means the read reached what the provider
/// announced; every other end is a short read, and a copy made from it is incomplete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PagerEnd {
    /// Reached `totalResults`, or the provider's own end (an empty page, a repeated page or the
    /// last cursor) when it announced no total.
    Complete,
    /// A page came back empty before `totalResults` was reached.
    EmptyPage,
    /// A page repeated an earlier one before `totalResults` was reached.
    RepeatedPage,
    /// The provider gave no next cursor before `totalResults` was reached.
    CursorEnded,
}

/// How one paged read ended: why it stopped, how many resources it read and how many the
/// provider announced (`totalResults`, when it said).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadOutcome {
    pub end: PagerEnd,
    pub read: u64,
    pub announced: Option<u64>,
}

impl ReadOutcome {
    /// True when the read reached what the provider announced.
    pub fn is_complete(&self) -> bool {
        self.end == PagerEnd::Complete
    }
}

/// An index page in flight: its startIndex, the count asked for, and the request.
type PendingPage = (u64, u32, JoinHandle<Result<ListPage, ScimError>>);

/// Streams every resource of an endpoint page by page, with cursor paging where the provider
/// has it, else index paging with several pages in flight. Memory holds only the pages in
/// flight. Stops on totalResults, on an empty page and on a repeated page, and records which
/// ([`Pager::outcome`]): a read that stopped before the announced total is never complete.
///
/// Providers get paging wrong in ways the pager corrects as it reads:
/// - fewer resources than asked for while more remain (its own page-size cap): asked again
///   from where its answer ended, so a capped page leaves no gap;
/// - a `totalResults` that is too small (the size of one page, say): the end is confirmed by
///   one more page; resources found there mean the total is wrong, and the read goes on to the
///   provider's own end, an empty page ([`Pager::total_was_wrong`]);
/// - `startIndex` counted from 0 (asked for 1, the first record is skipped): a read one short
///   asks for index 0 once, and a record not seen before there is the missing first one
///   ([`Pager::found_zero_based`]).
pub struct Pager {
    client: ScimClient,
    endpoint: String,
    query: ListQuery,
    cursor_mode: bool,
    page_size: u32,
    in_flight: usize,
    /// The index of the first record: 1, or 0 for a provider known to count from 0.
    first_index: u64,
    next_index: u64,
    cursor: Option<String>,
    seen_cursors: HashSet<String>,
    first_ids: HashSet<String>,
    /// The id of the record that opened the read (at `first_index`).
    opening_id: Option<String>,
    total: Option<u64>,
    /// Records came after the announced total: it is not used to stop.
    total_wrong: bool,
    /// Confirm a reached total with one more page.
    confirm_total: bool,
    confirming: bool,
    zero_based_found: bool,
    received: u64,
    pending: VecDeque<PendingPage>,
    end: Option<PagerEnd>,
    pages: u64,
}

impl Pager {
    /// A pager over `endpoint` following `profile`.
    pub fn new(
        client: &ScimClient,
        endpoint: &str,
        query: ListQuery,
        profile: &CapabilityProfile,
    ) -> Self {
        let cursor_mode = profile.paging.cursor;
        let page_size = query.count.unwrap_or(profile.paging.page_size).max(1);
        let first_index = if profile.paging.zero_based_index {
            0
        } else {
            1
        };
        Pager {
            client: client.clone(),
            endpoint: endpoint.to_string(),
            query: ListQuery {
                count: Some(page_size),
                ..query
            },
            cursor_mode,
            page_size,
            in_flight: if cursor_mode {
                1
            } else {
                profile.paging.max_in_flight.max(1) as usize
            },
            first_index,
            next_index: first_index,
            cursor: None,
            seen_cursors: HashSet::new(),
            first_ids: HashSet::new(),
            opening_id: None,
            total: None,
            total_wrong: profile.paging.total_unreliable,
            confirm_total: true,
            confirming: false,
            zero_based_found: false,
            received: 0,
            pending: VecDeque::new(),
            end: None,
            pages: 0,
        }
    }

    /// Trusts a reached `totalResults` without asking for one more page (for many small reads,
    /// such as one person's groups, where the extra request would double the work), unless
    /// the provider is known to announce wrong totals.
    pub fn trusting_total(mut self) -> Self {
        self.confirm_total = self.total_wrong;
        self
    }

    /// totalResults, once the first page said it.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// Resources handed out so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Pages read so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Why the pager stopped, once it has.
    pub fn end(&self) -> Option<PagerEnd> {
        self.end
    }

    /// True when records came after the announced total (a wrong `totalResults`, or a
    /// directory that grew while it was read): the read went on to the provider's own end.
    pub fn total_was_wrong(&self) -> bool {
        self.total_wrong && self.total.is_some()
    }

    /// True when the provider turned out to count `startIndex` from 0.
    pub fn found_zero_based(&self) -> bool {
        self.zero_based_found
    }

    /// How the read ended, once it has.
    pub fn outcome(&self) -> Option<ReadOutcome> {
        self.end.map(|end| ReadOutcome {
            end,
            read: self.received,
            announced: self.total,
        })
    }

    /// The total to stop on: none when it proved wrong.
    fn limit(&self) -> Option<u64> {
        self.total.filter(|_| !self.total_wrong)
    }

    fn spawn_request(&mut self, start: u64, count: u32, front: bool) {
        let client = self.client.clone();
        let endpoint = self.endpoint.clone();
        let query = ListQuery {
            count: Some(count),
            ..self.query.clone()
        };
        let handle = tokio::spawn(async move {
            client
                .list(&endpoint, &query, &PageRequest::Index(start))
                .await
        });
        if front {
            self.pending.push_front((start, count, handle));
        } else {
            self.pending.push_back((start, count, handle));
        }
    }

    fn spawn_index(&mut self) {
        let start = self.next_index;
        self.next_index += u64::from(self.page_size);
        self.spawn_request(start, self.page_size, false);
    }

    fn more_index_pages_expected(&self) -> bool {
        match self.limit() {
            Some(t) => self.next_index - self.first_index < t,
            None => self.pending.is_empty(),
        }
    }

    /// Ends the read: complete when the total was reached or none was announced, else `short`.
    fn stop(&mut self, short: PagerEnd) {
        self.end = Some(match self.limit() {
            Some(t) if self.received < t => short,
            _ => PagerEnd::Complete,
        });
        self.abort_pending();
    }

    /// A read that came back exactly one short from 1: is the missing record at index 0? (A
    /// provider counting from 0 skips its first record when asked for 1.) The record, when it
    /// is one not seen before.
    async fn missing_first(&mut self) -> Option<Value> {
        let t = self.limit()?;
        if self.cursor_mode || self.first_index != 1 || self.received + 1 != t {
            return None;
        }
        let opening = self.opening_id.clone()?;
        let query = ListQuery {
            count: Some(1),
            ..self.query.clone()
        };
        // A provider following the RFC reads 0 as 1 (or refuses it): nothing new either way.
        let page = self
            .client
            .list(&self.endpoint, &query, &PageRequest::Index(0))
            .await
            .ok()?;
        let first = page.resources.into_iter().next()?;
        let id = first.get("id").map(|v| v.to_string())?;
        if id == opening || self.first_ids.contains(&id) {
            return None;
        }
        self.zero_based_found = true;
        Some(first)
    }

    /// The next page of resources, or `None` at the end.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Value>>, ScimError> {
        if self.end.is_some() {
            self.abort_pending();
            return Ok(None);
        }
        let (page, asked) = if self.cursor_mode {
            let req = PageRequest::Cursor(self.cursor.clone());
            (
                self.client.list(&self.endpoint, &self.query, &req).await?,
                None,
            )
        } else {
            if self.pending.is_empty() {
                self.spawn_index();
            }
            let Some((start, count, handle)) = self.pending.pop_front() else {
                return Ok(None);
            };
            let page = handle.await.map_err(|e| ScimError::Malformed {
                url: self.endpoint.clone(),
                reason: format!("a page request failed: {e}"),
            })??;
            (page, Some((start, count)))
        };
        self.pages += 1;
        if self.total.is_none() {
            self.total = page.total_results;
        }
        if page.resources.is_empty() {
            if let Some(first) = self.missing_first().await {
                self.received += 1;
                self.stop(PagerEnd::EmptyPage);
                return Ok(Some(vec![first]));
            }
            self.stop(PagerEnd::EmptyPage);
            return Ok(None);
        }
        // A page whose first resource opened an earlier page is a repeat.
        let first_id = page.resources[0]
            .get("id")
            .map(|v| v.to_string())
            .unwrap_or_default();
        if asked.is_some_and(|(start, _)| start == self.first_index) && !first_id.is_empty() {
            self.opening_id = Some(first_id.clone());
        }
        if !first_id.is_empty() && !self.first_ids.insert(first_id) {
            self.stop(PagerEnd::RepeatedPage);
            return Ok(None);
        }
        // Every resource is kept, even past the announced total (a directory that grew while
        // it was read, or a total that is wrong): dropping them would leave real people out of
        // a "complete" copy. From then on the read goes on to the provider's own end.
        let resources = page.resources;
        let n = resources.len() as u64;
        if self.limit().is_some_and(|t| self.received >= t) {
            self.total_wrong = true;
        }
        self.received += n;
        if self.cursor_mode {
            match page.next_cursor {
                Some(c) if !c.is_empty() && self.seen_cursors.insert(c.clone()) => {
                    self.cursor = Some(c)
                }
                _ => self.stop(PagerEnd::CursorEnded),
            }
        } else {
            if let Some((start, asked)) = asked {
                let offset = start - self.first_index;
                let short_of_asked = n < u64::from(asked);
                match self.limit() {
                    // Fewer than asked while more remain: the provider caps its pages. Ask
                    // again from where this answer ended, and for no more than it gives.
                    Some(t) if short_of_asked && offset + n < t => {
                        let rest = u32::try_from(u64::from(asked) - n).unwrap_or(asked);
                        self.spawn_request(start + n, rest, true);
                        self.page_size = self.page_size.min(u32::try_from(n).unwrap_or(1).max(1));
                    }
                    Some(_) => {}
                    // No total to go by: one page at a time, each from where the last ended,
                    // until an empty page.
                    None => {
                        self.next_index = start + n;
                        if short_of_asked {
                            self.page_size =
                                self.page_size.min(u32::try_from(n).unwrap_or(1).max(1));
                        }
                    }
                }
            }
            if let Some(t) = self.limit() {
                if self.received >= t {
                    if self.confirm_total && !self.confirming {
                        // Confirm the end with one more page from where the records ended.
                        self.confirming = true;
                        self.abort_pending();
                        self.next_index = self.first_index + self.received;
                        self.spawn_index();
                    } else {
                        self.end = Some(PagerEnd::Complete);
                    }
                }
            }
            while self.end.is_none()
                && self.pending.len() < self.in_flight
                && self.more_index_pages_expected()
            {
                self.spawn_index();
            }
        }
        if self.end.is_some() {
            self.abort_pending();
        }
        Ok(Some(resources))
    }

    fn abort_pending(&mut self) {
        for (_, _, h) in self.pending.drain(..) {
            h.abort();
        }
    }

    /// Reads every page into one vector (small directories, tests).
    pub async fn collect_all(mut self) -> Result<Vec<Value>, ScimError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page);
        }
        Ok(all)
    }
}

impl Drop for Pager {
    fn drop(&mut self) {
        self.abort_pending();
    }
}

//! Paging and sorting shared by every list screen.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

/// Which page of a list to read. Cursors are opaque strings the core handed out with an earlier
/// page; they hold the sort key of a page's first or last row, so reading the page after row
/// 900,000 costs the same as reading the first page (keyset paging, no OFFSET scan).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "at", content = "cursor")]
pub enum PageAt {
    #[default]
    First,
    /// The page that ends with the list's last row.
    Last,
    After(String),
    Before(String),
}

/// What a list screen asks for. `sort` names a column of the entity's row type; the core maps it
/// to SQL through an allow-list, so an unknown name is an `Invalid` error, never injected SQL.
/// With a search and no `sort`, rows come in relevance order (names that start with the search
/// first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Free text typed into the list's search box; every word is matched as a prefix.
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub dir: SortDir,
    #[serde(default)]
    pub at: PageAt,
    pub limit: u32,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self { search: String::new(), sort: None, dir: SortDir::Asc, at: PageAt::First, limit: 50 }
    }
}

/// One page of a list. `prev` and `next` are the cursors of the neighbouring pages, `None` at
/// either end. The number of matching rows is a separate call ([`Count`]), so that paging never
/// waits for a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// How many rows match a list's search and filters. Counting a million rows through a filter
/// costs tens of milliseconds, so filtered counts stop at [`Count::CAP`] and say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub rows: u64,
    /// True when counting stopped at the cap: there are at least `rows` matches.
    pub capped: bool,
}

impl Count {
    pub const CAP: u64 = 100_000;
}

//! Paging and sorting shared by every list screen.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

/// What a list screen asks for. `sort` names a column of the entity's row type; the core maps it
/// to SQL through an allow-list, so an unknown name is an `Invalid` error, never injected SQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    /// Free text typed into the list's search box; matched as a prefix.
    #[serde(default)]
    pub search: String,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub dir: SortDir,
    #[serde(default)]
    pub offset: u32,
    pub limit: u32,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self { search: String::new(), sort: None, dir: SortDir::Asc, offset: 0, limit: 50 }
    }
}

/// One page of a list plus the total number of matching rows (for the "1-50 of 1,234" label).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub total: u64,
    pub offset: u32,
}

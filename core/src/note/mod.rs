//! Notes: the knowledge base. Same shape as `company`.

mod commands;
mod derived;
mod queries;
mod types;

pub(crate) use derived::refresh_newest_note;

#[cfg(test)]
mod tests;

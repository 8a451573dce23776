//! Notes: the knowledge base. Same shape as `company`.

mod commands;
mod queries;
mod types;

#[cfg(test)]
mod tests;

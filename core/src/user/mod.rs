//! Users of the app (sales reps, note authors, assignees). Same shape as `company`.

mod commands;
mod queries;
mod types;

#[cfg(test)]
mod tests;

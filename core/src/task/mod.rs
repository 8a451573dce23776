//! Tasks and follow-up reminders (seed 000 Tasks, seed 001 "Set follow-up reminder"). Same shape
//! as `company`, plus `ics.rs`: the calendar invitations that announce a task.

mod commands;
pub mod ics;
mod queries;
mod types;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod ics_tests;

//! Email: the outbox of calendar invitations and sending it over SMTP (lettre).
//!
//! - [`outbox`]: the device-local queue, written in the task's own transaction, and the
//!   take / send / record steps of a sending round.
//! - [`smtp`]: the device-local server settings, the invitation email and the blocking send.

pub mod outbox;
pub mod smtp;

#[cfg(test)]
mod tests;

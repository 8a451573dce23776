//! The sync server (issue 6): see `crm_sync::protocol` for what it speaks.

pub mod db;

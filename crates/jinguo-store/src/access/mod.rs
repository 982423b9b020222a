//! Staff accounts and their sessions.

pub mod accounts;
pub mod sessions;

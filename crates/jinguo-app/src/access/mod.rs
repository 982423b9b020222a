//! Staff access: logging in and out, sessions with an idle timeout, accounts and their
//! administration (by the system administrator), unlocking and second factors (by the security
//! administrator).

pub mod accounts;
pub mod auth;

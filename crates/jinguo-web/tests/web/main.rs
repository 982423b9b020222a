//! The web crate's one test binary: the real server on a free port, on SQLite and (when
//! JINGUO_TEST_DATABASE_URL is set) PostgreSQL, driven over HTTP as a client would.

// Test helpers fail loudly: an unwrap here is an assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod awards;
mod awards_browser;
mod awards_pages;
mod browser;
mod care;
mod care_pages;
mod education;
mod education_pages;
mod family;
mod family_pages;
mod help;
mod help_pages;
mod keys;
mod pages;
mod people;
mod people_pages;
mod public_accounts;
mod register_sheets;
mod report_pages;
mod screening_pages;
mod screenings;
mod sheets;
mod support;
mod trace;

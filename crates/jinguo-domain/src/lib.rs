//! Jinguo's domain: the validated types every other layer trades in, the rules of the
//! federation's work, and the definitions of its indicators. Nothing here does I/O: no
//! database, no HTTP, no clock (dates are passed in).
//!
//! Modules follow the domain areas of DESIGN.md §2: `org` (regions, federations, women's
//! homes, activities), `access` (roles and permissions of staff accounts), `insight`
//! (indicator definitions and periods). Later areas (people, care, family, develop) join them.

pub mod access;
pub mod awards;
pub mod education;
pub mod family;
pub mod help;
pub mod insight;
pub mod invalid;
pub mod org;
pub mod people;
pub mod public;
pub mod region;

pub use invalid::{FieldError, Invalid};
pub use region::{Level, RegionCode};

//! Storage of the organisation network: regions (public facts), federations with their terms
//! and executive members, women's homes and their checklist, activities.

pub mod activities;
pub mod federations;
pub mod homes;
pub mod regions;

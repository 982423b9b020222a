//! Validation failures: which field, and why, in words a federation officer reads (Chinese).

use serde::Serialize;

/// One field that failed validation. `field` is the English name used by forms and the API;
/// `message` is the Chinese sentence shown beside the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A set of field errors; never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", self.summary())]
pub struct Invalid {
    pub errors: Vec<FieldError>,
}

impl Invalid {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut invalid = Self::new();
        invalid.add(field, message);
        invalid
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError { field: field.to_owned(), message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` when nothing was added, else `Err(self)`.
    pub fn into_result(self) -> Result<(), Invalid> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// The message for one field, if it failed.
    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// All messages joined, for a one-line answer (CLI, API `message`).
    pub fn summary(&self) -> String {
        self.errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("；")
    }
}

//! The trigger engine: rules that decide, on the server, when to start a conversation.
//!
//! Pure code: no sockets, no storage, no clock (time comes in with the facts). A connection
//! feeds it events and timer wake-ups, stores what it decides, and arms one timer for the
//! moment the engine names next.

mod compile;
mod condition;
mod engine;
mod facts;
mod history;
mod hours;
mod patterns;
mod rule;
mod shop;
pub mod simulate;
mod visitor;

pub use condition::Condition;
pub use engine::{Evaluation, Firing, RuleSet, Wake, in_holdout};
pub use facts::{Fact, FactValue, Facts};
pub use history::{Attribution, Fatigue, FunnelStage, RuleRecord, TriggerHistory};
pub use hours::BusinessHours;
pub use patterns::Matched;
pub use rule::{Action, Frequency, Limit, Persona, Priority, Rule, TEMPLATE_FUEL, render};
pub use shop::ShopFacts;
pub use visitor::VisitorRecord;

use serde::Serialize;

/// One problem in a rule, with the path of the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path, such as `conditions.all[2].op`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    /// An error at `path`.
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        FieldError {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[cfg(test)]
mod tests;

//! The full conversation life cycle (bot → queued → assigned → closed, and back), as pure
//! rules: every transition is checked against the current state and either returns the new
//! state with a notice for the transcript, or an error value saying why it is not allowed.
//! The version number is what the store compares and sets, so two agents (or two nodes)
//! taking the same chat at once cannot both win.

use super::phrases::Line;
use crate::domain::{AgentId, Timestamp};
use serde::{Deserialize, Serialize};

/// Where a conversation is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Stage {
    /// The bot answers.
    Bot,
    /// Waiting for a person.
    Queued,
    /// A person has it.
    Assigned {
        /// Who.
        agent: AgentId,
    },
    /// Finished.
    Closed,
}

impl Stage {
    /// The stage's name in storage, filters and on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Stage::Bot => "bot",
            Stage::Queued => "queued",
            Stage::Assigned { .. } => "assigned",
            Stage::Closed => "closed",
        }
    }

    /// Whether a stage name is one of the four.
    pub fn is_name(name: &str) -> Option<&'static str> {
        ["bot", "queued", "assigned", "closed"]
            .into_iter()
            .find(|n| *n == name)
    }
}

/// Why a conversation went to the human queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// The shopper asked for a person.
    ShopperAsked,
    /// The bot missed too many times in a row.
    BotMissed,
    /// A trigger rule routed it.
    Trigger,
    /// The external bot asked for it, failed or timed out.
    ExternalBot,
    /// An order needs a person: it looks stuck, or the shopper asked to return or cancel it.
    OrderHelp,
}

impl HandoffReason {
    /// The reason's name in storage and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffReason::ShopperAsked => "shopper_asked",
            HandoffReason::BotMissed => "bot_missed",
            HandoffReason::Trigger => "trigger",
            HandoffReason::ExternalBot => "external_bot",
            HandoffReason::OrderHelp => "order_help",
        }
    }

    /// Parses a stored reason.
    pub fn parse(text: &str) -> Option<Self> {
        [
            HandoffReason::ShopperAsked,
            HandoffReason::BotMissed,
            HandoffReason::Trigger,
            HandoffReason::ExternalBot,
            HandoffReason::OrderHelp,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// Who closed a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Closer {
    /// An agent.
    Agent(AgentId),
    /// The shopper.
    Shopper,
    /// The system (inactivity).
    System,
}

/// Something that happens to a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Put it in the human queue.
    HandOff(HandoffReason),
    /// An agent takes it (from the queue, or over from the bot).
    Take(AgentId),
    /// The assigned agent hands it to another agent.
    TransferTo {
        /// Who transfers.
        from: AgentId,
        /// Who gets it.
        to: AgentId,
    },
    /// The assigned agent puts it back in the queue.
    TransferToQueue(AgentId),
    /// The assigned agent went offline and the grace period passed.
    AgentGone(AgentId),
    /// Someone closes it.
    Close(Closer),
    /// The shopper writes to a closed conversation.
    ShopperWrites,
}

/// A line for the transcript, shown as a system message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// Handed to people.
    HandedOff {
        /// Why.
        reason: HandoffReason,
    },
    /// An agent joined.
    Joined {
        /// Who.
        agent: AgentId,
    },
    /// Moved between agents.
    Transferred {
        /// From.
        from: AgentId,
        /// To.
        to: AgentId,
    },
    /// Back in the queue.
    Requeued {
        /// Who left it.
        agent: AgentId,
        /// Because they went offline (not by choice).
        offline: bool,
    },
    /// Closed.
    Closed {
        /// By whom.
        by: Closer,
    },
    /// Reopened by the shopper.
    Reopened,
}

impl Notice {
    /// The transcript text in the shopper's `language` (English for an unknown one or none),
    /// with agent names looked up by the caller. The words are in [`super::phrases`].
    pub fn text(&self, language: Option<&str>, name: impl Fn(&AgentId) -> String) -> String {
        let line = |line: Line| line.text(language);
        match self {
            Notice::HandedOff { reason } => line(match reason {
                HandoffReason::ShopperAsked => Line::AskedForPerson,
                HandoffReason::BotMissed => Line::BotGivesUp,
                HandoffReason::Trigger => Line::PersonSoon,
                HandoffReason::ExternalBot => Line::Connecting,
                HandoffReason::OrderHelp => Line::OrderReview,
            }),
            Notice::Joined { agent } => line(Line::Joined {
                agent: &name(agent),
            }),
            Notice::Transferred { from, to } => line(Line::Transferred {
                from: &name(from),
                to: &name(to),
            }),
            Notice::Requeued { agent, offline } => line(Line::Requeued {
                agent: &name(agent),
                offline: *offline,
            }),
            Notice::Closed {
                by: Closer::Agent(agent),
            } => line(Line::ClosedByAgent {
                agent: &name(agent),
            }),
            Notice::Closed {
                by: Closer::Shopper,
            } => line(Line::ClosedByShopper),
            Notice::Closed { by: Closer::System } => line(Line::ClosedInactive),
            Notice::Reopened => line(Line::Reopened),
        }
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The event makes no sense in the current state (taking a closed chat, …).
    #[error("cannot {event} a conversation that is {state}")]
    NotAllowed {
        /// The event, in words.
        event: &'static str,
        /// The state, in words.
        state: &'static str,
    },
    /// Only the assigned agent may do this.
    #[error("the conversation is assigned to another agent")]
    NotYours,
    /// Another change came first (compare-and-set lost).
    #[error("the conversation changed meanwhile (version {actual}, expected {expected})")]
    Stale {
        /// The version the caller saw.
        expected: u64,
        /// The current version.
        actual: u64,
    },
    /// The reopen window has passed: the shopper's message starts a new conversation.
    #[error("the conversation closed too long ago to reopen")]
    ReopenWindowPassed,
}

/// How a new conversation starts: its life cycle, why it is with people if it starts in the
/// queue, and the shopper's cart value then (the queue serves bigger carts first), all
/// written with the conversation in one go.
#[derive(Debug, Clone, PartialEq)]
pub struct Opening {
    /// The first stage.
    pub lifecycle: Lifecycle,
    /// Why it is queued, when it starts queued.
    pub reason: Option<HandoffReason>,
    /// The visitor's cart total when the conversation opens.
    pub cart_total: f64,
}

impl Opening {
    /// The same opening with the visitor's cart value.
    pub fn with_cart(mut self, cart_total: f64) -> Self {
        self.cart_total = cart_total;
        self
    }
}

impl From<Lifecycle> for Opening {
    fn from(lifecycle: Lifecycle) -> Self {
        Opening {
            lifecycle,
            reason: None,
            cart_total: 0.0,
        }
    }
}

/// A conversation's life-cycle state, versioned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// Where it is: `state` (and `agent` when assigned) in JSON.
    #[serde(flatten)]
    pub stage: Stage,
    /// Bumped by every transition; the store's compare-and-set key.
    pub version: u64,
    /// The last agent who had it, preferred when it is routed again.
    pub last_agent: Option<AgentId>,
    /// When it closed.
    pub closed_at: Option<Timestamp>,
}

fn stage_name(stage: &Stage) -> &'static str {
    match stage {
        Stage::Bot => "with the bot",
        Stage::Queued => "queued",
        Stage::Assigned { .. } => "assigned",
        Stage::Closed => "closed",
    }
}

impl Lifecycle {
    /// A new conversation, with the bot first when the site has one.
    pub fn new(bot_first: bool) -> Self {
        Lifecycle {
            stage: if bot_first { Stage::Bot } else { Stage::Queued },
            version: 0,
            last_agent: None,
            closed_at: None,
        }
    }

    /// A conversation an agent starts with a visitor: theirs from the first message.
    pub fn started_by(agent: AgentId) -> Self {
        Lifecycle {
            stage: Stage::Assigned {
                agent: agent.clone(),
            },
            version: 0,
            last_agent: Some(agent),
            closed_at: None,
        }
    }

    /// Applies an event seen at `version` (compare-and-set) and returns the notice for the
    /// transcript. `reopen_window_ms` is the site's window for reopening closed chats.
    pub fn apply(
        &mut self,
        event: &Event,
        version: u64,
        now: Timestamp,
        reopen_window_ms: i64,
    ) -> Result<Notice, TransitionError> {
        if version != self.version {
            return Err(TransitionError::Stale {
                expected: version,
                actual: self.version,
            });
        }
        let not_allowed = |event| TransitionError::NotAllowed {
            event,
            state: stage_name(&self.stage),
        };
        let (stage, notice) = match (&self.stage, event) {
            (Stage::Bot, Event::HandOff(reason)) => {
                (Stage::Queued, Notice::HandedOff { reason: *reason })
            }
            (Stage::Queued, Event::HandOff(_)) => return Err(not_allowed("hand off")),
            (Stage::Bot | Stage::Queued, Event::Take(agent)) => (
                Stage::Assigned {
                    agent: agent.clone(),
                },
                Notice::Joined {
                    agent: agent.clone(),
                },
            ),
            (Stage::Assigned { agent }, Event::TransferTo { from, to }) => {
                if agent != from {
                    return Err(TransitionError::NotYours);
                }
                if from == to {
                    return Err(not_allowed("transfer to the same agent"));
                }
                (
                    Stage::Assigned { agent: to.clone() },
                    Notice::Transferred {
                        from: from.clone(),
                        to: to.clone(),
                    },
                )
            }
            (Stage::Assigned { agent }, Event::TransferToQueue(by)) => {
                if agent != by {
                    return Err(TransitionError::NotYours);
                }
                (
                    Stage::Queued,
                    Notice::Requeued {
                        agent: by.clone(),
                        offline: false,
                    },
                )
            }
            (Stage::Assigned { agent }, Event::AgentGone(gone)) => {
                if agent != gone {
                    return Err(TransitionError::NotYours);
                }
                (
                    Stage::Queued,
                    Notice::Requeued {
                        agent: gone.clone(),
                        offline: true,
                    },
                )
            }
            (Stage::Assigned { agent }, Event::Close(Closer::Agent(by))) if agent != by => {
                return Err(TransitionError::NotYours);
            }
            (Stage::Bot | Stage::Queued | Stage::Assigned { .. }, Event::Close(by)) => {
                (Stage::Closed, Notice::Closed { by: by.clone() })
            }
            (Stage::Closed, Event::ShopperWrites) => {
                let closed = self.closed_at.unwrap_or(now);
                if now.millis_since(closed) > reopen_window_ms {
                    return Err(TransitionError::ReopenWindowPassed);
                }
                // Someone human had it: back to people (routing prefers the same agent).
                let stage = if self.last_agent.is_some() {
                    Stage::Queued
                } else {
                    Stage::Bot
                };
                (stage, Notice::Reopened)
            }
            (_, Event::HandOff(_)) => return Err(not_allowed("hand off")),
            (_, Event::Take(_)) => return Err(not_allowed("take")),
            (_, Event::TransferTo { .. } | Event::TransferToQueue(_)) => {
                return Err(not_allowed("transfer"));
            }
            (_, Event::AgentGone(_)) => return Err(not_allowed("requeue")),
            (_, Event::Close(_)) => return Err(not_allowed("close")),
            (_, Event::ShopperWrites) => return Err(not_allowed("reopen")),
        };
        if let Stage::Assigned { agent } = &stage {
            self.last_agent = Some(agent.clone());
        }
        self.closed_at = matches!(stage, Stage::Closed).then_some(now);
        self.stage = stage;
        self.version += 1;
        Ok(notice)
    }
}

#[cfg(test)]
mod tests;

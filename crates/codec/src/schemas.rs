//! The contract's Avro schemas (`schemas/*.avsc`), embedded at compile time, and the message
//! types they describe.

use serde::Serialize;
use serde::de::DeserializeOwned;
use vroeg_domain::contract::decision::Decision;
use vroeg_domain::contract::messages::{
    ArrearsEvent, CreditorStatus, FeedbackEvent, ObjectionEvent, OutreachTask,
};

/// The Avro namespace of every contract schema.
pub const NAMESPACE: &str = "nl.vroegsignaal.v1";

/// Which contract message a schema or a payload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageKind {
    /// `vroeg.arrears.v1`.
    ArrearsEvent,
    /// `vroeg.objections.v1`.
    ObjectionEvent,
    /// `vroeg.feedback.v1`.
    FeedbackEvent,
    /// `vroeg.outreach.<gemeentecode>`.
    OutreachTask,
    /// `vroeg.creditor-status.<creditor_id>`.
    CreditorStatus,
    /// `vroeg.audit.v1` and `simulate` output.
    Decision,
}

impl MessageKind {
    /// Every kind.
    pub const ALL: [MessageKind; 6] = [
        MessageKind::ArrearsEvent,
        MessageKind::ObjectionEvent,
        MessageKind::FeedbackEvent,
        MessageKind::OutreachTask,
        MessageKind::CreditorStatus,
        MessageKind::Decision,
    ];

    /// The record's simple name, e.g. `ArrearsEvent`.
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::ArrearsEvent => "ArrearsEvent",
            MessageKind::ObjectionEvent => "ObjectionEvent",
            MessageKind::FeedbackEvent => "FeedbackEvent",
            MessageKind::OutreachTask => "OutreachTask",
            MessageKind::CreditorStatus => "CreditorStatus",
            MessageKind::Decision => "Decision",
        }
    }

    /// The record's full name, e.g. `nl.vroegsignaal.v1.ArrearsEvent`.
    pub fn full_name(self) -> String {
        format!("{NAMESPACE}.{}", self.name())
    }

    /// The current schema, as JSON text (what a registry is given).
    pub fn schema_json(self) -> &'static str {
        match self {
            MessageKind::ArrearsEvent => ARREARS_EVENT,
            MessageKind::ObjectionEvent => OBJECTION_EVENT,
            MessageKind::FeedbackEvent => FEEDBACK_EVENT,
            MessageKind::OutreachTask => OUTREACH_TASK,
            MessageKind::CreditorStatus => CREDITOR_STATUS,
            MessageKind::Decision => DECISION,
        }
    }

    /// Whether the household stage consumes it (`InputEvent`).
    pub fn is_input(self) -> bool {
        matches!(
            self,
            MessageKind::ArrearsEvent | MessageKind::ObjectionEvent | MessageKind::FeedbackEvent
        )
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `schemas/arrears_event.avsc`.
pub const ARREARS_EVENT: &str = include_str!("../../../schemas/arrears_event.avsc");
/// `schemas/objection_event.avsc`.
pub const OBJECTION_EVENT: &str = include_str!("../../../schemas/objection_event.avsc");
/// `schemas/feedback_event.avsc`.
pub const FEEDBACK_EVENT: &str = include_str!("../../../schemas/feedback_event.avsc");
/// `schemas/outreach_task.avsc`.
pub const OUTREACH_TASK: &str = include_str!("../../../schemas/outreach_task.avsc");
/// `schemas/creditor_status.avsc`.
pub const CREDITOR_STATUS: &str = include_str!("../../../schemas/creditor_status.avsc");
/// `schemas/decision.avsc`.
pub const DECISION: &str = include_str!("../../../schemas/decision.avsc");

/// Earlier versions of the schemas: data written with them stays readable through Avro schema
/// resolution. Recognised by fingerprint in single-object encoding.
pub const HISTORY: &[(MessageKind, &str)] = &[(
    MessageKind::ArrearsEvent,
    include_str!("../../../schemas/history/arrears_event.v0.avsc"),
)];

mod sealed {
    pub trait Sealed {}
}

/// A contract message: something with a JSON form and an Avro schema.
pub trait Message: Serialize + DeserializeOwned + sealed::Sealed {
    /// Which message this is.
    const KIND: MessageKind;
}

macro_rules! message {
    ($($t:ty => $k:ident),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl Message for $t {
            const KIND: MessageKind = MessageKind::$k;
        }
    )*};
}

message! {
    ArrearsEvent => ArrearsEvent,
    ObjectionEvent => ObjectionEvent,
    FeedbackEvent => FeedbackEvent,
    OutreachTask => OutreachTask,
    CreditorStatus => CreditorStatus,
    Decision => Decision,
}

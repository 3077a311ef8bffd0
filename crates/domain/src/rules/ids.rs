//! Rule ids: the `rule` field of every decision. Stable strings, referenced by golden tests, the
//! audit topic and metrics; each names the RULES.md section it implements.

/// Contract validation (CONTRACT.md): the input is not a valid message.
pub const CONTRACT_INVALID: &str = "contract.invalid";
/// The creditor is not registered, or claims another sector (config `creditors`).
pub const CONTRACT_CREDITOR: &str = "contract.creditor";
/// §5: no municipality for the address.
pub const ROUTING_UNROUTABLE: &str = "routing.unroutable";
/// §5: the municipality has not asked for signals.
pub const ROUTING_NOT_CONNECTED: &str = "routing.not_connected";
/// §4b: the municipality reported the person no longer lives there.
pub const ROUTING_NOT_RESIDENT: &str = "routing.not_resident";
/// §1: consent-based sector without (valid) consent.
pub const BASIS_CONSENT: &str = "basis.consent";
/// §1: experiment sector for a municipality not taking part.
pub const BASIS_EXPERIMENT: &str = "basis.experiment";
/// §1: the person objected to this creditor.
pub const BASIS_OBJECTION: &str = "basis.objection";
/// §1: objection or consent events.
pub const BASIS_REGISTER: &str = "basis.register";
/// §1: sector preconditions (reminders, contact, pointing to help, offer to share).
pub const PRECONDITIONS: &str = "preconditions.sector";
/// §2: younger than the sector's minimum days.
pub const WINDOW_TOO_YOUNG: &str = "window.too_young";
/// §2: older than the sector's maximum days.
pub const WINDOW_TOO_OLD: &str = "window.too_old";
/// §2: below the municipality's `drempelbedrag`.
pub const THRESHOLD_MUNICIPALITY: &str = "threshold.municipality";
/// §1: below the experiment's statutory minimum (DUO 270, Belastingdienst 600).
pub const THRESHOLD_STATUTORY: &str = "threshold.statutory";
/// §3: herhaalde melding.
pub const MATCH_REPEAT: &str = "match.repeat";
/// §3: a valid signal waits in the household's bundle.
pub const BUNDLE_WAIT: &str = "bundle.wait";
/// §3/§4: the bundle becomes a new task.
pub const CASE_NEW: &str = "case.new";
/// §3/§4: an open case's task is updated (signal added, amount changed, energy's updated signal).
pub const CASE_UPDATE: &str = "case.update";
/// §2: arrears resolved (before or after the task).
pub const CASE_RESOLVED: &str = "case.resolved";
/// §2: every signal of a sent task resolved before contact: the task is withdrawn.
pub const CASE_WITHDRAWN: &str = "case.withdrawn";
/// §4b: new signal for a household known to debt help.
pub const CASE_KNOWN_TO_DEBT_HELP: &str = "case.known_to_debt_help";
/// §4b: feedback recorded.
pub const FEEDBACK: &str = "feedback.record";
/// §4b: what the creditor hears.
pub const CREDITOR_STATUS: &str = "status.creditor";
/// §6: retention purge.
pub const RETENTION_PURGE: &str = "retention.purge";
/// CONTRACT.md: `event_id` is the idempotency key.
pub const IDEMPOTENCY: &str = "idempotency.event_id";
/// §3: an event older than the newest applied for its account is stale.
pub const IDEMPOTENCY_STALE: &str = "idempotency.stale";

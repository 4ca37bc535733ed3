//! What voters answer: the kinds of proposal, the decisions, a ballot, and how each
//! voter of the voter set fared in one round.
use std::fmt;

/// What a proposal asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProposalKind {
    /// Which way to trade: BUY, SELL or HOLD.
    Direction,
    /// A yes/no question: YES or NO.
    YesNo,
}

impl ProposalKind {
    pub fn name(self) -> &'static str {
        match self {
            ProposalKind::Direction => "DIRECTION",
            ProposalKind::YesNo => "YES_NO",
        }
    }
}

impl fmt::Display for ProposalKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// A voter's answer. ABSTAIN answers every kind of proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    Buy,
    Sell,
    Hold,
    Yes,
    No,
    Abstain,
}

impl Decision {
    pub const ALL: [Decision; 6] = [
        Decision::Buy,
        Decision::Sell,
        Decision::Hold,
        Decision::Yes,
        Decision::No,
        Decision::Abstain,
    ];

    /// Upper-case name, as in the contract without its prefix: "BUY", "ABSTAIN".
    pub fn name(self) -> &'static str {
        match self {
            Decision::Buy => "BUY",
            Decision::Sell => "SELL",
            Decision::Hold => "HOLD",
            Decision::Yes => "YES",
            Decision::No => "NO",
            Decision::Abstain => "ABSTAIN",
        }
    }

    /// The decision a name stands for (as [`Decision::name`] writes it).
    pub fn parse(name: &str) -> Option<Decision> {
        Self::ALL
            .into_iter()
            .find(|decision| decision.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Whether this decision is a valid answer to a proposal of `kind`.
    pub fn answers(self, kind: ProposalKind) -> bool {
        match self {
            Decision::Abstain => true,
            Decision::Buy | Decision::Sell | Decision::Hold => kind == ProposalKind::Direction,
            Decision::Yes | Decision::No => kind == ProposalKind::YesNo,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.name())
    }
}

/// Why a ballot is not valid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BallotError {
    #[error("confidence {0} is not a probability in [0, 1]")]
    Confidence(f64),
    #[error("decision {decision} does not answer a {kind} proposal")]
    WrongKind {
        decision: Decision,
        kind: ProposalKind,
    },
}

/// One voter's answer: a decision and the voter's probability that it is right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ballot {
    decision: Decision,
    confidence: f64,
}

impl Ballot {
    /// A ballot whose confidence is a probability in [0, 1] (NaN is refused).
    pub fn new(decision: Decision, confidence: f64) -> Result<Self, BallotError> {
        if !(0.0..=1.0).contains(&confidence) {
            return Err(BallotError::Confidence(confidence));
        }
        Ok(Self {
            decision,
            confidence,
        })
    }

    /// [`Ballot::new`], also refusing a decision that does not answer `kind`.
    pub fn for_kind(
        kind: ProposalKind,
        decision: Decision,
        confidence: f64,
    ) -> Result<Self, BallotError> {
        if !decision.answers(kind) {
            return Err(BallotError::WrongKind { decision, kind });
        }
        Self::new(decision, confidence)
    }

    pub fn decision(&self) -> Decision {
        self.decision
    }

    pub fn confidence(&self) -> f64 {
        self.confidence
    }
}

/// How a voter fared in one round.
#[derive(Debug, Clone, PartialEq)]
pub enum VoteStatus {
    /// It answered in time with a valid ballot (ABSTAIN included).
    Answered(Ballot),
    /// No answer within the per-voter deadline.
    TimedOut,
    /// It answered with an error or with an invalid ballot.
    Failed,
    /// It could not be reached.
    Unreachable,
}

impl VoteStatus {
    pub fn ballot(&self) -> Option<&Ballot> {
        match self {
            VoteStatus::Answered(ballot) => Some(ballot),
            _ => None,
        }
    }

    pub fn is_answered(&self) -> bool {
        matches!(self, VoteStatus::Answered(_))
    }

    /// Upper-case name, as in the contract without its prefix: "ANSWERED", "TIMED_OUT".
    pub fn name(&self) -> &'static str {
        match self {
            VoteStatus::Answered(_) => "ANSWERED",
            VoteStatus::TimedOut => "TIMED_OUT",
            VoteStatus::Failed => "FAILED",
            VoteStatus::Unreachable => "UNREACHABLE",
        }
    }

    /// Same status and, when answered, the same decision (confidence aside): what the
    /// stalemate rule compares.
    pub fn same_as(&self, other: &VoteStatus) -> bool {
        match (self, other) {
            (VoteStatus::Answered(mine), VoteStatus::Answered(theirs)) => {
                mine.decision() == theirs.decision()
            }
            _ => self.name() == other.name(),
        }
    }
}

/// One voter's vote as recorded in a round, with the weight it carries in the tally.
#[derive(Debug, Clone, PartialEq)]
pub struct Vote {
    pub voter: String,
    pub weight: f64,
    pub status: VoteStatus,
}

impl Vote {
    pub fn new(voter: impl Into<String>, weight: f64, status: VoteStatus) -> Self {
        Self {
            voter: voter.into(),
            weight,
            status,
        }
    }

    /// An answered vote.
    pub fn answered(voter: impl Into<String>, weight: f64, ballot: Ballot) -> Self {
        Self::new(voter, weight, VoteStatus::Answered(ballot))
    }

    /// The decision of an answered vote.
    pub fn decision(&self) -> Option<Decision> {
        self.status.ballot().map(Ballot::decision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_answer_their_kind_and_abstain_answers_both() {
        assert!(Decision::Buy.answers(ProposalKind::Direction));
        assert!(!Decision::Buy.answers(ProposalKind::YesNo));
        assert!(Decision::No.answers(ProposalKind::YesNo));
        assert!(!Decision::Yes.answers(ProposalKind::Direction));
        assert!(Decision::Abstain.answers(ProposalKind::Direction));
        assert!(Decision::Abstain.answers(ProposalKind::YesNo));
    }

    #[test]
    fn names_round_trip() {
        for decision in Decision::ALL {
            assert_eq!(Decision::parse(decision.name()), Some(decision));
        }
        assert_eq!(Decision::parse("buy"), Some(Decision::Buy));
        assert_eq!(Decision::parse("maybe"), None);
    }

    #[test]
    fn confidence_must_be_a_probability() {
        assert!(Ballot::new(Decision::Buy, 0.0).is_ok());
        assert!(Ballot::new(Decision::Buy, 1.0).is_ok());
        assert_eq!(
            Ballot::new(Decision::Buy, 1.01),
            Err(BallotError::Confidence(1.01))
        );
        assert!(Ballot::new(Decision::Buy, -0.1).is_err());
        assert!(Ballot::new(Decision::Buy, f64::NAN).is_err());
        assert!(Ballot::new(Decision::Buy, f64::INFINITY).is_err());
        assert_eq!(
            Ballot::for_kind(ProposalKind::YesNo, Decision::Sell, 0.5),
            Err(BallotError::WrongKind {
                decision: Decision::Sell,
                kind: ProposalKind::YesNo
            })
        );
    }

    #[test]
    fn same_status_compares_decisions_but_not_confidence() {
        let buy =
            |confidence| VoteStatus::Answered(Ballot::new(Decision::Buy, confidence).unwrap());
        let sell = VoteStatus::Answered(Ballot::new(Decision::Sell, 0.9).unwrap());
        assert!(buy(0.9).same_as(&buy(0.1)));
        assert!(!buy(0.9).same_as(&sell));
        assert!(VoteStatus::TimedOut.same_as(&VoteStatus::TimedOut));
        assert!(!VoteStatus::TimedOut.same_as(&VoteStatus::Failed));
        assert!(!VoteStatus::TimedOut.same_as(&buy(0.5)));
    }
}

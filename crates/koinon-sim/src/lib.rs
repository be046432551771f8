//! koinon-sim: the feasibility of an outcomes contract before it is signed. A Monte Carlo
//! model of referrals, engagement, attrition and uncertain outcome chances gives the spread of
//! outcome payments, the chance of reaching the contract cap, the investors' IRR and chance of
//! loss, and the commissioner's discounted net savings. Pure computation: no I/O, no database.
//! Results are the same for a given seed whatever the number of threads.

pub mod draft;
pub mod model;
pub mod rng;
pub mod sim;

pub use model::{Model, ModelError, ModelErrors, SimMetric};
pub use sim::{Feasibility, RunOptions, annual_irr, simulate};

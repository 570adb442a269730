//! Constraint-based searches: PC and FCI, with their shared pieces.
//!
//! - [`skeleton`]: adjacency search (stable / original, depth, parallel tests), separating sets;
//! - [`colliders`]: unshielded-collider rules (sepset, max-P, definite max-P, CPC, majority) and
//!   conflict priorities;
//! - `meek`: Meek's rules (internal; applied by [`pc`]);
//! - [`knowledge`]: tiers, forbidden and required edges;
//! - [`pc`]: the PC algorithm;
//! - [`fci`]: the FCI algorithm (PAGs, Zhang's rules R1-R10), with a causal-learn-compatible
//!   mode ([`fci::FciCompat`]);
//! - [`fci_causal_learn`]: what that mode reproduces of causal-learn's `fci`, and why it differs
//!   from the definition.

pub mod colliders;
pub mod fci;
pub mod fci_causal_learn;
pub mod knowledge;
pub(crate) mod meek;
pub mod pc;
pub mod skeleton;

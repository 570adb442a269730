//! Constraint-based searches: PC and FCI, with their shared pieces.
//!
//! - [`skeleton`]: adjacency search (stable / original, depth, parallel tests), separating sets;
//! - [`colliders`]: unshielded-collider rules (sepset, max-P, definite max-P, CPC, majority) and
//!   conflict priorities;
//! - [`meek`]: Meek's rules;
//! - [`knowledge`]: tiers, forbidden and required edges;
//! - [`pc`]: the PC algorithm;
//! - [`fci`]: the FCI algorithm (PAGs, Zhang's rules R1-R10).

pub mod colliders;
pub mod fci;
pub mod knowledge;
pub(crate) mod meek;
pub mod pc;
pub mod skeleton;

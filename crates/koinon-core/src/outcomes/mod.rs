//! Outcomes contracts and social impact bonds: the contract, its outcome metrics and the four
//! payment mechanisms (rate card, threshold against a comparison group, share of public savings,
//! fixed targets), and the payment calculation.

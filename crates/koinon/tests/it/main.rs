//! Integration tests of the whole server: one test binary (link time is precious). Each module
//! starts its own server on port 0 over a fresh database with the demo data.

mod api;
mod authz;
mod browser;
mod cli;
mod crash;
mod currency;
mod currency_decay;
mod currency_demo;
mod currency_figures;
mod currency_pay;
mod currency_payments;
mod done_when;
mod done_when_currency;
mod done_when_feasibility;
mod harness;
mod indigo;
mod ledger_api;
mod merchant_pages;
mod outcomes_api;
mod outcomes_cli;
mod outcomes_contract_pages;
mod outcomes_dashboard;
mod outcomes_designer;
mod outcomes_feasibility;
mod outcomes_files;
mod outcomes_pages;
mod outcomes_verification;
mod pages;
mod smoke;

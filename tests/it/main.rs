//! The integration suite: one binary, one module per area (STYLE.md habit 11).

mod archive;
mod ballot;
mod bounce;
mod bounces;
mod calls;
mod chairs;
mod cli;
mod client;
mod commands;
mod config;
mod crash;
mod e2e;
mod labelled;
mod mbox;
mod membership;
mod moderation;
mod policy;
mod positions;
mod report;
mod smtp;
mod support;
mod thread;
mod web;
mod workflow;

//! Membership by mail (DESIGN §5–6): the command robot at `wg-request@`, the implicit
//! `wg-join@`/`wg-leave@`, and confirmations at `wg-confirm+TOKEN@`.
//!
//! Subscribing and unsubscribing always take a round trip through the address concerned: the
//! confirmation goes to that address, never to a requester who named someone else, so nobody can
//! join or leave on another's behalf. A token is used up in the same commit as the change it
//! authorises, so a confirmation that arrives twice acts once. Mail from robots (null sender,
//! `Auto-Submitted`, bulk precedence) is never answered, and no address gets more than
//! `store::REPLY_LIMIT` replies a day.

use crate::address::Kind;
use crate::commands::request::{self, Command, ListAddresses};
use crate::config::{Roster, Subscription};
use crate::notice;
use crate::store::{Action, HoldRecord, OutboundJob, TokenRow};
use crate::values::TokenPurpose;

use super::Context;

/// Read access the robot needs beyond the members already in the context.
pub trait Lookup: crate::context::Tokens {
    /// A held post by list address and Message-ID, with its raw bytes.
    fn hold(&self, list: &str, message_id: &str) -> Result<Option<(HoldRecord, Vec<u8>)>, String>;
}

pub fn handle(
    ctx: &Context<'_>,
    kind: &Kind,
    lookup: &dyn super::Lookups,
) -> Result<Vec<Action>, String> {
    if notice::must_not_answer(
        &ctx.item.mail_from,
        ctx.parsed.auto_submitted.as_deref(),
        ctx.parsed.precedence.as_deref(),
    ) {
        tracing::info!(list = %ctx.list.address(), message_id = %ctx.message_id, kind = kind.as_str(),
            "command mail from a robot or bulk sender; not answered");
        return Ok(vec![Action::Discard]);
    }
    let (lines, ignored): (Vec<(String, Result<Command, String>)>, Vec<String>) = match kind {
        Kind::Join => (vec![("join".into(), Ok(Command::Subscribe(None)))], vec![]),
        Kind::Leave => (
            vec![("leave".into(), Ok(Command::Unsubscribe(None)))],
            vec![],
        ),
        Kind::Confirm(t) => (
            vec![(
                format!("confirm {t}"),
                Ok(Command::Confirm(t.to_lowercase())),
            )],
            vec![],
        ),
        _ => {
            let parsed = request::parse(&ctx.parsed.subject, &ctx.parsed.body_text);
            (
                parsed
                    .commands
                    .into_iter()
                    .map(|l| (l.text, l.result))
                    .collect(),
                parsed.ignored,
            )
        }
    };
    let mut robot = Robot {
        ctx,
        actions: Vec::new(),
        results: Vec::new(),
        reply_needed: matches!(kind, Kind::Request),
    };
    for (text, result) in lines {
        match result {
            Ok(command) => robot.run(&text, command, lookup)?,
            Err(why) => robot.say(&text, &format!("error: {why}")),
        }
    }
    if robot.results.is_empty() {
        robot.say(
            "",
            "no commands found; send \"help\" for the list of commands",
        );
    }
    let mut actions = robot.actions;
    if robot.reply_needed {
        let mut body = String::from("The results of your email commands:\n\n");
        for (text, result) in &robot.results {
            if text.is_empty() {
                body.push_str(&format!("{result}\n"));
            } else {
                body.push_str(&format!("> {text}\n{result}\n\n"));
            }
        }
        if !ignored.is_empty() {
            body.push_str("\nIgnored lines:\n");
            for l in &ignored {
                body.push_str(&format!("  {l}\n"));
            }
        }
        let subject = format!(
            "The results of your email commands to {}",
            request_address(ctx)
        );
        if let Some(job) = mail(
            ctx,
            &request_address(ctx),
            None,
            ctx.sender,
            &subject,
            &body,
            Some(ctx.message_id),
        ) {
            actions.push(crate::notice::reply(
                ctx.site, ctx.list, ctx.now, ctx.sender, job,
            ));
        }
    }
    Ok(actions)
}

struct Robot<'a, 'c> {
    ctx: &'a Context<'c>,
    actions: Vec<Action>,
    results: Vec<(String, String)>,
    /// A results mail goes back for `-request` mail, and for any error elsewhere.
    reply_needed: bool,
}

impl Robot<'_, '_> {
    fn say(&mut self, text: &str, result: &str) {
        self.results.push((text.to_owned(), result.to_owned()));
    }

    fn fail(&mut self, text: &str, result: &str) {
        self.reply_needed = true;
        self.say(text, result);
    }

    fn is_member(&self, address: &str) -> bool {
        self.ctx
            .members
            .iter()
            .any(|m| m.address.eq_ignore_ascii_case(address))
    }

    fn run(
        &mut self,
        text: &str,
        command: Command,
        lookup: &dyn super::Lookups,
    ) -> Result<(), String> {
        let ctx = self.ctx;
        let list = ctx.list;
        match command {
            Command::Help => {
                let help = request::help_text(&ListAddresses::new(&list.name, &list.domain));
                self.reply_needed = true;
                self.say(text, &help);
            }
            Command::Who => {
                let allowed = match list.roster {
                    Roster::Public => true,
                    Roster::Members => self.is_member(ctx.sender) || list.is_owner(ctx.sender),
                    Roster::Owners => list.is_owner(ctx.sender),
                };
                self.reply_needed = true;
                if allowed {
                    let mut out =
                        format!("Members of {} ({}):\n", list.address(), ctx.members.len());
                    for m in ctx.members {
                        out.push_str(&format!("  {}\n", m.address));
                    }
                    self.say(text, &out);
                } else {
                    self.say(
                        text,
                        "error: the member list of this list is not available to you",
                    );
                }
            }
            Command::Subscribe(target) | Command::Unsubscribe(target)
                if target
                    .as_deref()
                    .is_some_and(|t| !crate::config::plausible_address(&t.to_lowercase())) =>
            {
                self.fail(text, "error: that is not an email address");
            }
            Command::Subscribe(target) => {
                let target = target
                    .unwrap_or_else(|| ctx.sender.to_owned())
                    .to_lowercase();
                if list.subscription == Subscription::Closed {
                    self.fail(text, "error: this list does not take subscription requests by mail; write to the list owners");
                } else if self.is_member(&target) {
                    self.fail(text, &format!("{target} is already a member"));
                } else {
                    self.confirm_request(text, &target, TokenPurpose::Subscribe)?;
                }
            }
            Command::Unsubscribe(target) => {
                let target = target
                    .unwrap_or_else(|| ctx.sender.to_owned())
                    .to_lowercase();
                if !self.is_member(&target) {
                    self.fail(text, &format!("{target} is not a member"));
                } else {
                    self.confirm_request(text, &target, TokenPurpose::Unsubscribe)?;
                }
            }
            Command::Confirm(token) => self.confirm(text, &token, lookup)?,
        }
        Ok(())
    }

    /// Records a token and mails the confirmation request to the address concerned.
    fn confirm_request(
        &mut self,
        text: &str,
        target: &str,
        action: TokenPurpose,
    ) -> Result<(), String> {
        let ctx = self.ctx;
        let token = crate::tokens::new_token().map_err(|e| format!("no random token: {e}"))?;
        let confirm = format!("{}-confirm+{token}@{}", ctx.list.name, ctx.list.domain);
        let expires = ctx.now + ctx.site.tokens.ttl as i64;
        let body = format!(
            "Someone (perhaps you) asked to {action} {target} {prep} the {name} list ({list}).\n\n\
             To confirm, reply to this message, keeping the subject, or send\n\n    confirm {token}\n\n\
             to {request}. If you did not ask for this, ignore this message and nothing will change.\n\
             The request expires on {expiry} (UTC).\n",
            prep = if action == TokenPurpose::Subscribe {
                "to"
            } else {
                "from"
            },
            name = ctx.list.name,
            list = ctx.list.address(),
            request = request_address(ctx),
            expiry = crate::clock::rfc5322_date(expires),
        );
        let Some(job) = mail(
            ctx,
            &confirm,
            Some(&confirm),
            target,
            &format!("confirm {token}"),
            &body,
            None,
        ) else {
            self.fail(
                text,
                &format!("error: cannot send a confirmation to {target}"),
            );
            return Ok(());
        };
        self.actions.push(Action::TokenCreate(TokenRow {
            token,
            list: ctx.list.address(),
            address: target.to_owned(),
            action,
            created_at: ctx.now,
            expires_at: expires,
            used_at: None,
        }));
        self.actions.push(crate::notice::reply(
            ctx.site, ctx.list, ctx.now, target, job,
        ));
        self.say(
            text,
            &format!("a confirmation request was sent to {target}"),
        );
        Ok(())
    }

    fn confirm(
        &mut self,
        text: &str,
        token: &str,
        lookup: &dyn super::Lookups,
    ) -> Result<(), String> {
        let ctx = self.ctx;
        let row = match lookup.token(token)? {
            Some(row) if row.list == ctx.list.address() => row,
            _ => {
                self.fail(
                    text,
                    "error: unknown confirmation token; check that it was copied whole",
                );
                return Ok(());
            }
        };
        if row.used_at.is_some() {
            let what = if row.action == TokenPurpose::Moderate {
                "that held post was already dealt with"
            } else {
                "this confirmation token has already been used"
            };
            self.fail(text, &format!("error: {what}"));
            return Ok(());
        }
        if row.action == TokenPurpose::Moderate {
            return self.moderate(text, &row, lookup);
        }
        // Only membership tokens are confirmed here; another robot's token (a chair's commands)
        // sent to this address must not be mistaken for an unsubscription.
        if !matches!(
            row.action,
            TokenPurpose::Subscribe | TokenPurpose::Unsubscribe
        ) {
            self.fail(text, "error: unknown confirmation token");
            return Ok(());
        }

        if row.expires_at <= ctx.now {
            self.fail(
                text,
                "error: this confirmation token has expired; send the request again",
            );
            return Ok(());
        }
        let (list, name) = (ctx.list.address(), &ctx.list.name);
        let mut then = Vec::new();
        let result = match (row.action, ctx.list.subscription) {
            (TokenPurpose::Subscribe, Subscription::Moderate) => {
                then.push(Action::Inbox {
                    list: list.clone(),
                    kind: "subscribe-request".into(),
                    detail: row.address.clone(),
                    mail_from: ctx.item.mail_from.clone(),
                    message_id: ctx.message_id.to_owned(),
                    raw: ctx.item.raw.clone(),
                });
                format!(
                    "confirmed; the subscription of {} now waits for the list owners",
                    row.address
                )
            }
            (TokenPurpose::Subscribe, _) => {
                then.push(Action::MemberAdd {
                    list: list.clone(),
                    address: row.address.clone(),
                    name: String::new(),
                });
                let body = format!(
                    "Welcome to the {name} list ({list}).\n\nTo post, write to {list}.\nTo leave, write to {name}-leave@{domain}.\nFor help, send \"help\" to {request}.\n",
                    domain = ctx.list.domain,
                    request = request_address(ctx),
                );
                if let Some(job) = mail(
                    ctx,
                    &request_address(ctx),
                    None,
                    &row.address,
                    &format!("Welcome to the {name} list"),
                    &body,
                    None,
                ) {
                    then.push(Action::Send(job));
                }
                format!("confirmed: {} is now a member", row.address)
            }
            _ => {
                then.push(Action::MemberRemove {
                    list: list.clone(),
                    address: row.address.clone(),
                });
                let body = format!(
                    "{address} has left the {name} list ({list}). Goodbye, and thank you.\n\nTo join again, write to {name}-join@{domain}.\n",
                    address = row.address,
                    domain = ctx.list.domain,
                );
                if let Some(job) = mail(
                    ctx,
                    &request_address(ctx),
                    None,
                    &row.address,
                    &format!("You have left the {name} list"),
                    &body,
                    None,
                ) {
                    then.push(Action::Send(job));
                }
                format!("confirmed: {} is no longer a member", row.address)
            }
        };
        // Two confirmations racing for one token: only the first to commit acts.
        self.actions.push(Action::Guarded {
            token: row.token.clone(),
            then,
            otherwise: Vec::new(),
        });
        self.say(text, &result);
        Ok(())
    }
}

impl Robot<'_, '_> {
    /// A moderator's reply to a held-post notice: the first authored line decides.
    fn moderate(
        &mut self,
        text: &str,
        row: &TokenRow,
        lookup: &dyn super::Lookups,
    ) -> Result<(), String> {
        use crate::commands::moderation::{ModAction, parse_reply};
        use crate::pipeline::moderation::{Decision, decide};
        let ctx = self.ctx;
        if !ctx.list.is_moderator(ctx.sender) {
            self.fail(
                text,
                "error: only the list's moderators can decide on held posts",
            );
            return Ok(());
        }
        let Some(action) = parse_reply(&ctx.parsed.body_text) else {
            self.fail(text, "error: nothing was changed. Reply with one of these as the first line: approve, reject REASON, discard");
            return Ok(());
        };
        if row.expires_at <= ctx.now {
            self.fail(text, "error: that held post has expired");
            return Ok(());
        }
        let Some((hold, raw)) = lookup.hold(&ctx.list.address(), &row.address)? else {
            self.fail(text, "error: that held post was already dealt with");
            return Ok(());
        };
        let decision = match action {
            ModAction::Approve => Decision::Approve,
            ModAction::Reject(reason) => Decision::Reject(reason.unwrap_or_default()),
            ModAction::Discard => Decision::Discard,
        };
        let then = decide(
            ctx.site,
            ctx.list,
            &hold,
            &raw,
            ctx.members,
            &decision,
            lookup,
            ctx.now,
        )?;
        self.actions.push(Action::Guarded {
            token: row.token.clone(),
            then: vec![Action::HoldDelete {
                list: ctx.list.address(),
                message_id: hold.message_id.clone(),
                then,
            }],
            otherwise: Vec::new(),
        });
        tracing::info!(list = %ctx.list.address(), moderator = %ctx.sender, held = %hold.message_id, ?decision, "moderation decision");
        self.say(
            text,
            &format!("{decision:?} for the post from {}", hold.sender),
        );
        Ok(())
    }
}

fn request_address(ctx: &Context<'_>) -> String {
    format!("{}-request@{}", ctx.list.name, ctx.list.domain)
}

fn mail(
    ctx: &Context<'_>,
    from: &str,
    reply_to: Option<&str>,
    to: &str,
    subject: &str,
    body: &str,
    in_reply_to: Option<&str>,
) -> Option<OutboundJob> {
    crate::notice::list_mail(
        ctx.site,
        ctx.list,
        ctx.now,
        crate::notice::Mail {
            from,
            to,
            subject,
            body,
            in_reply_to,
            reply_to,
            attached: None,
        },
    )
}

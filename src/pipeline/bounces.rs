//! Bounce bookkeeping (issue 3 item 6). A delivery report to `wg-bounces+alice=example.org@D`
//! names the member through its VERP address; one to plain `wg-bounces@D` is read as a DSN or a
//! well-known MTA format (`crate::bounce`). Each permanent failure of a member scores at most one
//! point a day; temporary failures never score. At `bounces.threshold` delivery is disabled and the
//! member and owners are told; then [`weekly`] warns three times, a week apart, and removes the
//! member. Every report is kept in the inbox for the owners to look at.

use crate::bounce::{self, Severity};
use crate::clock::Timestamp;
use crate::config::{ListConfig, Site};
use crate::store::{Action, BounceState, Member};
use crate::values::Delivery;

use super::Context;

const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;
/// Warnings sent to a disabled member before removal.
pub const WARNINGS: i64 = 3;

pub fn handle(ctx: &Context<'_>, verp: Option<&str>) -> Vec<Action> {
    let scanned = bounce::scan(&ctx.item.raw);
    let failures: Vec<(String, bool)> = match verp.and_then(bounce::verp_address) {
        // VERP names the member; the report itself only says whether the failure is for good.
        Some(address) => {
            let temporary =
                !scanned.is_empty() && scanned.iter().all(|f| f.severity == Severity::Temporary);
            vec![(address, !temporary)]
        }
        None => scanned
            .into_iter()
            .map(|f| (f.address, f.severity == Severity::Permanent))
            .collect(),
    };
    let mut actions = vec![Action::Inbox {
        list: ctx.list.address(),
        kind: "bounces".into(),
        detail: verp.unwrap_or("").to_owned(),
        mail_from: ctx.item.mail_from.clone(),
        message_id: ctx.message_id.to_owned(),
        raw: ctx.item.raw.clone(),
    }];
    for (address, permanent) in failures {
        let Some(member) = ctx
            .members
            .iter()
            .find(|m| m.address.eq_ignore_ascii_case(&address))
        else {
            continue;
        };
        tracing::info!(list = %ctx.list.address(), member = %member.address, permanent, "bounce");
        if permanent {
            actions.extend(score(ctx.site, ctx.list, member, ctx.now));
        }
    }
    actions
}

/// One more point for a member (at most one a day); disables delivery at the threshold.
pub fn score(site: &Site, list: &ListConfig, member: &Member, now: Timestamp) -> Option<Action> {
    let day = now.div_euclid(DAY);
    if member.last_bounce_day == Some(day) {
        return None;
    }
    let expect = BounceState::of(member);
    let mut set = expect.clone();
    set.bounce_score += 1;
    set.last_bounce_day = Some(day);
    let mut then = Vec::new();
    if set.bounce_score >= site.bounces.threshold as i64 && set.delivery == Delivery::Enabled {
        set.delivery = Delivery::DisabledBounces;
        set.disabled_at = Some(now);
        set.warnings = 0;
        set.last_warning_at = Some(now);
        let body = format!(
            "Mail from the {name} list ({list}) to {addr} has been bouncing, so delivery to you is now\n\
             disabled. You remain a member. To turn delivery back on, fix the problem and write to the\n\
             list owners at {owner}. Without that you will be removed after {WARNINGS} weekly reminders.\n",
            name = list.name,
            list = list.address(),
            addr = member.address,
            owner = owner_address(list),
        );
        then.extend(mail(
            site,
            list,
            &member.address,
            &format!("Delivery disabled for {}", list.address()),
            &body,
            now,
        ));
        let body = format!(
            "Delivery to {} on {} is disabled after repeated bounces (score {}).\n",
            member.address,
            list.address(),
            set.bounce_score
        );
        for owner in &list.owners {
            then.extend(mail(
                site,
                list,
                owner,
                &format!(
                    "{}: delivery disabled for {}",
                    list.address(),
                    member.address
                ),
                &body,
                now,
            ));
        }
    }
    Some(Action::MemberUpdate {
        list: list.address(),
        address: member.address.clone(),
        expect,
        set: Some(set),
        then,
    })
}

/// The weekly step for members disabled by bounces: a reminder each week, removal after the
/// third.
pub fn weekly(site: &Site, list: &ListConfig, members: &[Member], now: Timestamp) -> Vec<Action> {
    let mut actions = Vec::new();
    for m in members
        .iter()
        .filter(|m| m.delivery == Delivery::DisabledBounces)
    {
        let last = m.last_warning_at.or(m.disabled_at).unwrap_or(now);
        if now - last < WEEK {
            continue;
        }
        let expect = BounceState::of(m);
        if m.warnings < WARNINGS {
            let mut set = expect.clone();
            set.warnings += 1;
            set.last_warning_at = Some(now);
            let body = format!(
                "Delivery to {addr} on the {name} list ({list}) is still disabled because of bounces.\n\
                 This is reminder {n} of {WARNINGS}; after the last one the address is removed.\n\
                 Write to {owner} to turn delivery back on.\n",
                addr = m.address,
                name = list.name,
                list = list.address(),
                n = m.warnings + 1,
                owner = owner_address(list),
            );
            let then = mail(
                site,
                list,
                &m.address,
                &format!("Reminder: delivery disabled for {}", list.address()),
                &body,
                now,
            )
            .into_iter()
            .collect();
            actions.push(Action::MemberUpdate {
                list: list.address(),
                address: m.address.clone(),
                expect,
                set: Some(set),
                then,
            });
        } else {
            let body = format!(
                "{} was removed from {} after {WARNINGS} reminders about bounces.\n",
                m.address,
                list.address()
            );
            let then = list
                .owners
                .iter()
                .filter_map(|o| {
                    mail(
                        site,
                        list,
                        o,
                        &format!("{}: {} removed after bounces", list.address(), m.address),
                        &body,
                        now,
                    )
                })
                .collect();
            actions.push(Action::MemberUpdate {
                list: list.address(),
                address: m.address.clone(),
                expect,
                set: None,
                then,
            });
        }
    }
    actions
}

fn owner_address(list: &ListConfig) -> String {
    format!("{}-owner@{}", list.name, list.domain)
}

fn mail(
    site: &Site,
    list: &ListConfig,
    to: &str,
    subject: &str,
    body: &str,
    now: Timestamp,
) -> Option<Action> {
    let from = owner_address(list);
    let m = crate::notice::Mail {
        from: &from,
        to,
        subject,
        body,
        in_reply_to: None,
        reply_to: None,
        attached: None,
    };
    crate::notice::list_mail(site, list, now, m).map(Action::Send)
}

//! The organization of the demo: branches, staff, skills, baseline assessments, and the life
//! events (joiners, leavers, moves) that both programs must respect.

use chrono::NaiveDate;
use serde_json::json;

use super::names::Names;
use super::plan::{at, day, ymd, Plan};

/// The branches, central first.
pub(super) const BRANCHES: [&str; 8] = [
    "central",
    "north",
    "south",
    "east",
    "west",
    "riverside",
    "old-town",
    "hillside",
];

/// The skill catalogue: id and name.
pub(super) const SKILLS: [(&str, &str); 8] = [
    ("catalogue-search", "Searching the new catalogue"),
    (
        "circulation",
        "Loans, returns and renewals in the new system",
    ),
    ("patron-accounts", "Patron accounts, fees and holds"),
    ("copy-cataloguing", "Copy cataloguing in the new system"),
    ("reports", "Statistics and reports"),
    (
        "original-cataloguing",
        "Original cataloguing (RDA, MARC 21)",
    ),
    ("acquisitions", "Acquisitions and serials"),
    ("kiosk-admin", "Self-service kiosks and RFID gates"),
];

/// A member of staff.
#[derive(Clone, Debug)]
pub(super) struct Person {
    pub id: String,
    pub name: String,
    pub branch: &'static str,
    pub department: &'static str,
    pub supervisor: Option<String>,
    pub joined: NaiveDate,
}

/// A learner who leaves the training program (and, for leavers, the organization).
#[derive(Clone, Debug)]
pub(super) struct Departure {
    pub person: String,
    pub on: NaiveDate,
    /// Leaves the organization too (not only the program).
    pub leaves: bool,
    pub reason: &'static str,
}

/// A move to another branch or department, with a new supervisor or none.
#[derive(Clone, Debug)]
pub(super) struct Move {
    pub person: String,
    pub on: NaiveDate,
    pub branch: &'static str,
    pub department: &'static str,
    pub supervisor: Option<String>,
}

/// Everybody and everything the two programs draw on.
pub(super) struct World {
    /// Staff on 5 January 2026, in the order they are added (supervisors first).
    pub staff: Vec<Person>,
    /// People who join during the year, in order.
    pub joiners: Vec<Person>,
    pub director: String,
    pub coordinator: String,
    pub hr: String,
    pub central_manager: String,
    pub head_cataloguer: String,
    pub acquisitions: String,
    pub digital_lead: String,
    pub youth_lead: String,
    /// Branch managers by branch (central: the central manager).
    pub managers: Vec<(&'static str, String)>,
    /// Potential trainers for the roll-out, in invitation order.
    pub trainer_candidates: Vec<String>,
    /// Indexes into `trainer_candidates` of those who decline.
    pub declining: [usize; 2],
    /// Index into `trainer_candidates` of the trainer who withdraws in June.
    pub withdrawing: usize,
    /// Learners leaving the program (and some the organization).
    pub departures: Vec<Departure>,
    /// Moves.
    pub moves: Vec<Move>,
    /// Staff who report to the new hillside deputy from 15 June.
    pub deputy_reports: Vec<String>,
    /// Mentors invited, in order; the last declines.
    pub mentors: Vec<String>,
    /// Mentees, paired in order with the accepted mentors.
    pub mentees: Vec<String>,
}

/// The day the organization is set up in Baton.
pub(super) fn setup_day() -> NaiveDate {
    day(2026, 1, 5)
}

impl World {
    /// Draws the staff and writes the organization's steps (set-up, people, skills, baseline
    /// assessments with one voided mistake, joiners, moves and departures).
    pub fn build(plan: &mut Plan) -> World {
        let mut names = Names::default();
        let mut staff = Vec::new();
        let mut person = |plan: &mut Plan,
                          staff: &mut Vec<Person>,
                          branch: &'static str,
                          department: &'static str,
                          supervisor: Option<&str>| {
            let (id, name) = names.next(plan);
            let year = plan.between(2004, 2025) as i32;
            let month = plan.between(1, 12) as u32;
            staff.push(Person {
                id: id.clone(),
                name,
                branch,
                department,
                supervisor: supervisor.map(str::to_string),
                joined: day(year, month, 1),
            });
            id
        };
        let director = person(plan, &mut staff, "central", "administration", None);
        let central_manager = person(plan, &mut staff, "central", "lending", Some(&director));
        let coordinator = person(
            plan,
            &mut staff,
            "central",
            "administration",
            Some(&director),
        );
        let hr = person(
            plan,
            &mut staff,
            "central",
            "administration",
            Some(&director),
        );
        let head_cataloguer = person(
            plan,
            &mut staff,
            "central",
            "cataloguing",
            Some(&central_manager),
        );
        let acquisitions = person(
            plan,
            &mut staff,
            "central",
            "cataloguing",
            Some(&head_cataloguer),
        );
        let digital_lead = person(
            plan,
            &mut staff,
            "central",
            "digital",
            Some(&central_manager),
        );
        let youth_lead = person(plan, &mut staff, "central", "youth", Some(&central_manager));
        let mut managers = vec![("central", central_manager.clone())];
        for branch in &BRANCHES[1..] {
            let m = person(plan, &mut staff, branch, "lending", Some(&director));
            managers.push((branch, m));
        }
        let mut group = |plan: &mut Plan,
                         staff: &mut Vec<Person>,
                         branch: &'static str,
                         department: &'static str,
                         supervisor: &str,
                         n: usize| {
            (0..n)
                .map(|_| person(plan, staff, branch, department, Some(supervisor)))
                .collect::<Vec<_>>()
        };
        let cataloguers = group(
            plan,
            &mut staff,
            "central",
            "cataloguing",
            &head_cataloguer,
            5,
        );
        let digital = group(plan, &mut staff, "central", "digital", &digital_lead, 3);
        let _central_youth = group(plan, &mut staff, "central", "youth", &youth_lead, 5);
        let central_lending = group(plan, &mut staff, "central", "lending", &central_manager, 9);
        let central_reference = group(
            plan,
            &mut staff,
            "central",
            "reference",
            &central_manager,
            6,
        );
        let mut branch_staff = Vec::new();
        for (branch, manager) in managers.clone().iter().skip(1) {
            let lending = group(plan, &mut staff, branch, "lending", manager, 6);
            let youth = group(plan, &mut staff, branch, "youth", manager, 3);
            let reference = group(plan, &mut staff, branch, "reference", manager, 2);
            branch_staff.push((*branch, lending, youth, reference));
        }
        let in_branch = |b: &str| branch_staff.iter().find(|x| x.0 == b).expect("branch");

        // Potential trainers: superusers of the pilot, four at central and one per branch.
        let mut trainer_candidates = vec![
            central_lending[0].clone(),
            central_lending[1].clone(),
            central_reference[0].clone(),
            cataloguers[3].clone(),
        ];
        for b in &BRANCHES[1..] {
            trainer_candidates.push(in_branch(b).1[0].clone());
        }

        let mut joiners = Vec::new();
        let joining = [
            ("north", "lending", day(2026, 4, 1)),
            ("central", "youth", day(2026, 4, 15)),
            ("south", "reference", day(2026, 5, 4)),
            ("hillside", "lending", day(2026, 6, 1)),
        ];
        for (branch, department, on) in joining {
            let (id, name) = names.next(plan);
            let supervisor = if branch == "central" {
                youth_lead.clone()
            } else {
                managers
                    .iter()
                    .find(|m| m.0 == branch)
                    .expect("manager")
                    .1
                    .clone()
            };
            joiners.push(Person {
                id,
                name,
                branch,
                department,
                supervisor: Some(supervisor),
                joined: on,
            });
        }
        let deputy = joiners[3].id.clone();

        let departures = vec![
            Departure {
                person: in_branch("south").2[0].clone(),
                on: day(2026, 4, 30),
                leaves: true,
                reason: "left the library for a post in another city",
            },
            Departure {
                person: in_branch("old-town").1[2].clone(),
                on: day(2026, 5, 18),
                leaves: false,
                reason: "long-term sick leave",
            },
            Departure {
                person: in_branch("riverside").3[0].clone(),
                on: day(2026, 8, 31),
                leaves: true,
                reason: "retired",
            },
            Departure {
                person: in_branch("north").2[1].clone(),
                on: day(2026, 10, 9),
                leaves: true,
                reason: "left the library",
            },
        ];
        let moves = vec![
            Move {
                person: in_branch("east").1[1].clone(),
                on: day(2026, 3, 2),
                branch: "east",
                department: "youth",
                supervisor: None,
            },
            Move {
                person: in_branch("west").1[2].clone(),
                on: day(2026, 8, 17),
                branch: "central",
                department: "reference",
                supervisor: Some(central_manager.clone()),
            },
        ];
        let deputy_reports = in_branch("hillside").1[1..5].to_vec();
        let manager_of = |b: &str| managers.iter().find(|m| m.0 == b).expect("m").1.clone();
        let mentors = vec![
            manager_of("north"),
            central_lending[2].clone(),
            manager_of("south"),
            manager_of("west"),
            central_reference[1].clone(),
            digital_lead.clone(),
            acquisitions.clone(),
            head_cataloguer.clone(),
            youth_lead.clone(),
        ];
        let mentees = vec![
            joiners[0].id.clone(),
            joiners[1].id.clone(),
            joiners[2].id.clone(),
            deputy.clone(),
            in_branch("east").2[2].clone(),
            digital[0].clone(),
            cataloguers[0].clone(),
            cataloguers[1].clone(),
        ];

        let world = World {
            staff,
            joiners,
            director,
            coordinator,
            hr,
            central_manager,
            head_cataloguer,
            acquisitions,
            digital_lead,
            youth_lead,
            managers,
            trainer_candidates,
            declining: [2, 10],
            withdrawing: 9,
            departures,
            moves,
            deputy_reports,
            mentors,
            mentees,
        };
        world.organization_steps(plan, &cataloguers, &digital);
        world
    }

    fn organization_steps(&self, plan: &mut Plan, cataloguers: &[String], digital: &[String]) {
        let hr = self.hr.clone();
        let d0 = setup_day();
        plan.org(
            at(d0, 8, 30),
            &hr,
            json!({"type": "ConfigureOrganization", "name": "Montclair Public Libraries", "time_zone": super::TIME_ZONE}),
        );
        for p in &self.staff {
            plan.org(at(d0, 9, 0), &hr, add_person(p));
        }
        for (id, name) in SKILLS {
            plan.org(
                at(d0, 10, 0),
                &hr,
                json!({"type": "AddSkill", "skill": id, "name": name}),
            );
        }

        // Baseline assessments, 7 January: everybody rates themself in loans and returns, the
        // desired outcome's skill (the new system is new to most); supervisors rate the pilot's superusers and the
        // specialists.
        let d = day(2026, 1, 7);
        let assess = |plan: &mut Plan, person: &str, skill: &str, level: i64, source: &str| {
            plan.org(
                at(d, 14, 0),
                &hr,
                json!({"type": "AssessSkill", "person": person, "skill": skill, "level": level, "source": source, "on": ymd(d)}),
            );
        };
        for p in &self.staff {
            if self.trainer_candidates.contains(&p.id) {
                continue;
            }
            let loans = plan.weighted(&[(0, 6), (1, 4)]);
            assess(plan, &p.id, "circulation", loans, "self");
        }
        for (i, t) in self.trainer_candidates.iter().enumerate() {
            assess(plan, t, "catalogue-search", 4, "supervisor");
            assess(plan, t, "circulation", 4, "supervisor");
            let accounts = plan.weighted(&[(3, 1), (4, 1)]);
            assess(plan, t, "patron-accounts", accounts, "supervisor");
            assess(plan, t, "reports", if i < 2 { 3 } else { 2 }, "supervisor");
        }
        assess(plan, &self.coordinator, "reports", 4, "supervisor");
        assess(plan, &self.central_manager, "reports", 3, "supervisor");
        assess(
            plan,
            &self.head_cataloguer,
            "original-cataloguing",
            4,
            "supervisor",
        );
        assess(
            plan,
            &self.head_cataloguer,
            "copy-cataloguing",
            4,
            "supervisor",
        );
        assess(plan, &self.acquisitions, "acquisitions", 4, "supervisor");
        assess(
            plan,
            &self.acquisitions,
            "copy-cataloguing",
            3,
            "supervisor",
        );
        assess(plan, &self.digital_lead, "kiosk-admin", 3, "supervisor");
        assess(plan, &self.digital_lead, "reports", 3, "supervisor");
        for c in cataloguers {
            let copy = plan.weighted(&[(2, 1), (3, 1)]);
            assess(plan, c, "copy-cataloguing", copy, "supervisor");
            let original = plan.weighted(&[(1, 1), (2, 1)]);
            assess(plan, c, "original-cataloguing", original, "supervisor");
        }
        assess(plan, &cataloguers[0], "acquisitions", 1, "supervisor");
        for x in digital {
            let kiosk = plan.weighted(&[(1, 1), (2, 2)]);
            assess(plan, x, "kiosk-admin", kiosk, "supervisor");
        }
        // The mistake: the head cataloguer's level entered under a colleague's name; voided
        // the next morning. Counted, it would give original cataloguing a second holder.
        plan.tagged(
            "wrong-person-assessment",
            at(d, 15, 30),
            &hr,
            None,
            json!({"type": "AssessSkill", "person": cataloguers[2], "skill": "original-cataloguing", "level": 4, "source": "supervisor", "on": ymd(d)}),
        );
        plan.fix(
            at(day(2026, 1, 8), 9, 15),
            &hr,
            None,
            "wrong-person-assessment",
            "entered under the wrong person: this level is the head cataloguer's",
            None,
        );

        for p in &self.joiners {
            plan.org(at(p.joined, 9, 0), &hr, add_person(p));
            let search = plan.weighted(&[(1, 1), (2, 1)]);
            plan.org(
                at(p.joined, 9, 5),
                &hr,
                json!({"type": "AssessSkill", "person": p.id, "skill": "catalogue-search", "level": search, "source": "self", "on": ymd(p.joined)}),
            );
        }
        for m in &self.moves {
            plan.org(
                at(m.on, 8, 45),
                &hr,
                json!({"type": "MovePerson", "person": m.person, "department": m.department, "branch": m.branch, "on": ymd(m.on)}),
            );
            if let Some(s) = &m.supervisor {
                plan.org(
                    at(m.on, 8, 46),
                    &hr,
                    json!({"type": "ChangeSupervisor", "person": m.person, "supervisor": s, "on": ymd(m.on)}),
                );
            }
        }
        let on = day(2026, 6, 15);
        for p in &self.deputy_reports {
            plan.org(
                at(on, 8, 45),
                &hr,
                json!({"type": "ChangeSupervisor", "person": p, "supervisor": self.joiners[3].id, "on": ymd(on)}),
            );
        }
        for d in self.departures.iter().filter(|d| d.leaves) {
            plan.org(
                at(d.on, 17, 30),
                &hr,
                json!({"type": "RecordDeparture", "person": d.person, "on": ymd(d.on)}),
            );
        }
    }

    /// The person with this id (staff or joiner).
    pub fn person(&self, id: &str) -> &Person {
        self.staff
            .iter()
            .chain(&self.joiners)
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("no demo person {id}"))
    }

    /// Where a person works on a day (moves included).
    pub fn branch_on(&self, id: &str, on: NaiveDate) -> &'static str {
        self.moves
            .iter()
            .rfind(|m| m.person == id && m.on <= on)
            .map_or(self.person(id).branch, |m| m.branch)
    }

    /// The last day a person can take part in the training (their departure), if any.
    pub fn leaves_program_on(&self, id: &str) -> Option<NaiveDate> {
        self.departures
            .iter()
            .find(|d| d.person == id)
            .map(|d| d.on)
    }

    /// Whether the person will leave the organization this year (their levels stay modest, so
    /// that leavers never change who holds a skill, whichever way a reader treats leavers).
    pub fn is_leaver(&self, id: &str) -> bool {
        self.departures.iter().any(|d| d.person == id && d.leaves)
    }
}

fn add_person(p: &Person) -> serde_json::Value {
    let mut v = json!({"type": "AddPerson", "person": p.id, "name": p.name, "department": p.department, "branch": p.branch, "on": ymd(p.joined)});
    if let Some(s) = &p.supervisor {
        v["supervisor"] = json!(s);
    }
    v
}

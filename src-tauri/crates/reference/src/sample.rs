//! A deterministic, realistic sample directory.
//!
//! The same seed always gives the same people, so tests can name them. Names come from many
//! cultures (non-ASCII included); every user has a userName, emails, phones, an address, a title
//! and the Enterprise User extension with a manager chain; about 10% are inactive. Groups are
//! departments, teams, projects and a few company-wide groups, with realistic memberships.

use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use scim_client::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};

/// The default seed of the demo directory.
pub const DEMO_SEED: u64 = 20_261_128;

/// Given names and family names by culture, with the ASCII form used in user names.
const CULTURES: &[(&[&str], &[&str])] = &[
    // English
    (
        &[
            "Olivia", "James", "Amelia", "Oliver", "Isla", "Harry", "Grace", "Jack", "Emily",
            "George",
        ],
        &[
            "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
            "Evans", "Walker",
        ],
    ),
    // German
    (
        &[
            "Lukas",
            "Jürgen",
            "Anna",
            "Sören",
            "Lea",
            "Maximilian",
            "Käthe",
            "Felix",
            "Greta",
            "Jörg",
        ],
        &[
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weiß",
            "Meyer",
            "Wagner",
            "Becker",
            "Schäfer",
            "Groß",
        ],
    ),
    // French
    (
        &[
            "Zoé",
            "Théo",
            "Léa",
            "Hélène",
            "François",
            "Chloé",
            "Raphaël",
            "Anaïs",
            "Jérôme",
            "Inès",
        ],
        &[
            "Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Rousseau",
            "Gauthier", "Fontaine",
        ],
    ),
    // Spanish
    (
        &[
            "Sofía",
            "Mateo",
            "Lucía",
            "Martín",
            "Valentina",
            "Alejandro",
            "Jimena",
            "Sebastián",
            "Camila",
            "Íñigo",
        ],
        &[
            "García",
            "Fernández",
            "González",
            "Rodríguez",
            "López",
            "Martínez",
            "Sánchez",
            "Pérez",
            "Gómez",
            "Muñoz",
        ],
    ),
    // Nordic
    (
        &[
            "Åsa", "Björn", "Sigrid", "Øystein", "Maja", "Håkon", "Linnéa", "Søren", "Freja",
            "Ægir",
        ],
        &[
            "Andersson",
            "Johansson",
            "Nilsen",
            "Hansen",
            "Lindqvist",
            "Bjørklund",
            "Ström",
            "Dahl",
            "Ødegård",
            "Berg",
        ],
    ),
    // Polish and Czech
    (
        &[
            "Zofia",
            "Łukasz",
            "Małgorzata",
            "Wojciech",
            "Agnieszka",
            "Tomáš",
            "Kateřina",
            "Jiří",
            "Żaneta",
            "Paweł",
        ],
        &[
            "Kowalski",
            "Wiśniewska",
            "Wójcik",
            "Nowak",
            "Dvořák",
            "Novotná",
            "Černý",
            "Zieliński",
            "Kamińska",
            "Svoboda",
        ],
    ),
    // Turkish
    (
        &[
            "Elif", "Mehmet", "Zeynep", "Çağrı", "Ayşe", "Görkem", "Şule", "Emre", "İrem", "Oğuz",
        ],
        &[
            "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Özdemir", "Arslan",
            "Doğan",
        ],
    ),
    // Japanese
    (
        &[
            "Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Yuto", "Sakura", "Kaito", "Mio",
        ],
        &[
            "Satō",
            "Suzuki",
            "Takahashi",
            "Tanaka",
            "Itō",
            "Watanabe",
            "Yamamoto",
            "Nakamura",
            "Kobayashi",
            "Katō",
        ],
    ),
    // Chinese
    (
        &[
            "Wei", "Fang", "Jing", "Hao", "Xiu", "Lei", "Mei", "Jun", "Yan", "Tao",
        ],
        &[
            "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
        ],
    ),
    // Indian
    (
        &[
            "Aarav", "Ananya", "Vihaan", "Diya", "Arjun", "Priya", "Rohan", "Saanvi", "Kabir",
            "Isha",
        ],
        &[
            "Sharma",
            "Patel",
            "Iyer",
            "Reddy",
            "Gupta",
            "Nair",
            "Singh",
            "Mehta",
            "Chatterjee",
            "Rao",
        ],
    ),
    // Arabic
    (
        &[
            "Omar", "Layla", "Yusuf", "Fatima", "Khalid", "Noor", "Hamza", "Amira", "Karim",
            "Salma",
        ],
        &[
            "Haddad", "Al-Sayed", "Mansour", "Khoury", "Nasser", "Farouk", "Hamdan", "Saleh",
            "Aziz", "Bakr",
        ],
    ),
    // West African
    (
        &[
            "Chinedu",
            "Amara",
            "Kwame",
            "Adaeze",
            "Kofi",
            "Ngozi",
            "Oluwaseun",
            "Abena",
            "Tunde",
            "Efua",
        ],
        &[
            "Okafor", "Mensah", "Adeyemi", "Owusu", "Eze", "Boateng", "Okonkwo", "Asante",
            "Balogun", "Nwosu",
        ],
    ),
    // Vietnamese and Korean
    (
        &[
            "Minh", "Linh", "Quân", "Thảo", "Ji-woo", "Seo-yeon", "Min-jun", "Hà", "Dũng", "Eun-ji",
        ],
        &[
            "Nguyễn", "Trần", "Lê", "Phạm", "Kim", "Park", "Choi", "Hoàng", "Jung", "Võ",
        ],
    ),
    // Greek and Russian (non-Latin scripts in display names)
    (
        &[
            "Ελένη",
            "Νίκος",
            "Μαρία",
            "Γιώργος",
            "Анна",
            "Дмитрий",
            "Ольга",
            "Иван",
            "Σοφία",
            "Наталья",
        ],
        &[
            "Παπαδόπουλος",
            "Οικονόμου",
            "Γεωργίου",
            "Иванов",
            "Смирнова",
            "Кузнецов",
            "Попова",
            "Νικολάου",
            "Соколов",
            "Лебедева",
        ],
    ),
];

/// Departments with their cost centre, division and typical titles.
const DEPARTMENTS: &[(&str, &str, &str, &[&str])] = &[
    (
        "Engineering",
        "CC-1100",
        "Product & Technology",
        &[
            "Software Engineer",
            "Senior Software Engineer",
            "Staff Engineer",
            "QA Engineer",
            "Site Reliability Engineer",
        ],
    ),
    (
        "Product",
        "CC-1200",
        "Product & Technology",
        &[
            "Product Manager",
            "Senior Product Manager",
            "Product Designer",
            "UX Researcher",
        ],
    ),
    (
        "Sales",
        "CC-2100",
        "Revenue",
        &[
            "Account Executive",
            "Sales Development Representative",
            "Solutions Engineer",
            "Regional Sales Manager",
        ],
    ),
    (
        "Marketing",
        "CC-2200",
        "Revenue",
        &[
            "Marketing Manager",
            "Content Strategist",
            "Growth Analyst",
            "Brand Designer",
        ],
    ),
    (
        "Customer Success",
        "CC-2300",
        "Revenue",
        &[
            "Customer Success Manager",
            "Support Specialist",
            "Onboarding Specialist",
        ],
    ),
    (
        "Finance",
        "CC-3100",
        "Operations",
        &[
            "Accountant",
            "Financial Analyst",
            "Payroll Specialist",
            "Controller",
        ],
    ),
    (
        "Human Resources",
        "CC-3200",
        "Operations",
        &[
            "HR Business Partner",
            "Recruiter",
            "People Operations Specialist",
            "Learning Coordinator",
        ],
    ),
    (
        "Legal",
        "CC-3300",
        "Operations",
        &["Legal Counsel", "Paralegal", "Compliance Officer"],
    ),
    (
        "IT",
        "CC-3400",
        "Operations",
        &[
            "IT Support Technician",
            "Systems Administrator",
            "Identity Engineer",
        ],
    ),
    (
        "Facilities",
        "CC-3500",
        "Operations",
        &["Office Manager", "Facilities Coordinator"],
    ),
];

const OFFICES: &[(&str, &str, &str, &str, &str)] = &[
    ("1 Harbour Street", "London", "", "EC2A 4BX", "GB"),
    ("Friedrichstraße 68", "Berlin", "", "10117", "DE"),
    ("12 Rue de Rivoli", "Paris", "", "75004", "FR"),
    ("Calle de Alcalá 45", "Madrid", "", "28014", "ES"),
    ("500 Market Street", "San Francisco", "CA", "94105", "US"),
    ("2-1-1 Marunouchi", "Tokyo", "", "100-0005", "JP"),
    ("88 Queensway", "Singapore", "", "238840", "SG"),
    ("Drottninggatan 33", "Stockholm", "", "111 51", "SE"),
];

const PROJECTS: &[&str] = &[
    "Project Aurora",
    "Project Borealis",
    "Project Cygnus",
    "Project Delta",
    "Project Ember",
    "Project Fjord",
    "Project Granite",
    "Project Helix",
    "Project Iris",
    "Project Juniper",
    "Project Kestrel",
    "Project Lumen",
    "Project Meridian",
    "Project Nimbus",
    "Project Orion",
    "Project Polaris",
    "Project Quartz",
    "Project Redwood",
    "Project Sierra",
    "Project Tundra",
];

const COMPANY_GROUPS: &[&str] = &[
    "All Staff",
    "People Managers",
    "Remote Workers",
    "Security Champions",
    "Mentors",
    "Social Committee",
    "Emergency Wardens",
    "Travel Approvers",
];

/// One user of the sample directory; `manager` is the index of the manager in `users`.
#[derive(Debug, Clone)]
pub struct SampleUser {
    pub index: usize,
    pub resource: Value,
    pub manager: Option<usize>,
    /// 0 for the CEO, 1 for department heads, 2 for team leads, 3 for everyone else.
    pub level: u8,
}

/// One group; members are indices into `users` and into `groups` (nested groups).
#[derive(Debug, Clone)]
pub struct SampleGroup {
    pub display_name: String,
    pub external_id: String,
    pub user_members: Vec<usize>,
}

/// A generated directory.
#[derive(Debug, Clone)]
pub struct SampleDirectory {
    pub users: Vec<SampleUser>,
    pub groups: Vec<SampleGroup>,
}

/// ASCII form of a name for user names and email addresses.
pub fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let m: &str = match c {
            'á' | 'à' | 'â' | 'ä' | 'ā' | 'å' | 'ã' | 'ả' => "a",
            'Á' | 'À' | 'Â' | 'Ä' | 'Å' => "a",
            'æ' | 'Æ' => "ae",
            'ç' | 'č' | 'ć' | 'Ç' | 'Č' => "c",
            'é' | 'è' | 'ê' | 'ë' | 'ě' | 'ễ' | 'É' => "e",
            'í' | 'ì' | 'î' | 'ï' | 'ı' | 'İ' | 'Í' => "i",
            'ñ' | 'ń' => "n",
            'ó' | 'ò' | 'ô' | 'ö' | 'ø' | 'ō' | 'õ' | 'Ö' | 'Ø' | 'Ó' => "o",
            'ú' | 'ù' | 'û' | 'ü' | 'ū' | 'ů' | 'Ü' | 'Ú' => "u",
            'ý' | 'ÿ' | 'Ý' => "y",
            'ß' => "ss",
            'ł' | 'Ł' => "l",
            'ś' | 'š' | 'ş' | 'Ş' | 'Š' | 'Ś' => "s",
            'ż' | 'ź' | 'ž' | 'Ż' | 'Ž' => "z",
            'ř' | 'Ř' => "r",
            'ğ' | 'Ğ' => "g",
            'đ' | 'Đ' => "d",
            'ạ' | 'ầ' | 'ậ' => "a",
            'ũ' => "u",
            'ơ' | 'ớ' | 'ờ' => "o",
            'ư' => "u",
            _ if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_lowercase());
                continue;
            }
            _ => "",
        };
        out.push_str(m);
    }
    out
}

/// Latin transliteration for the Greek and Cyrillic names, so user names stay ASCII.
fn latin(s: &str) -> String {
    const MAP: &[(char, &str)] = &[
        ('α', "a"),
        ('ά', "a"),
        ('β', "v"),
        ('γ', "g"),
        ('δ', "d"),
        ('ε', "e"),
        ('έ', "e"),
        ('ζ', "z"),
        ('η', "i"),
        ('ή', "i"),
        ('θ', "th"),
        ('ι', "i"),
        ('ί', "i"),
        ('κ', "k"),
        ('λ', "l"),
        ('μ', "m"),
        ('ν', "n"),
        ('ξ', "x"),
        ('ο', "o"),
        ('ό', "o"),
        ('π', "p"),
        ('ρ', "r"),
        ('σ', "s"),
        ('ς', "s"),
        ('τ', "t"),
        ('υ', "y"),
        ('ύ', "y"),
        ('φ', "f"),
        ('χ', "ch"),
        ('ψ', "ps"),
        ('ω', "o"),
        ('ώ', "o"),
        ('а', "a"),
        ('б', "b"),
        ('в', "v"),
        ('г', "g"),
        ('д', "d"),
        ('е', "e"),
        ('ж', "zh"),
        ('з', "z"),
        ('и', "i"),
        ('й', "y"),
        ('к', "k"),
        ('л', "l"),
        ('м', "m"),
        ('н', "n"),
        ('о', "o"),
        ('п', "p"),
        ('р', "r"),
        ('с', "s"),
        ('т', "t"),
        ('у', "u"),
        ('ф', "f"),
        ('х', "kh"),
        ('ц', "ts"),
        ('ч', "ch"),
        ('ш', "sh"),
        ('щ', "shch"),
        ('ы', "y"),
        ('ь', ""),
        ('э', "e"),
        ('ю', "yu"),
        ('я', "ya"),
    ];
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        match MAP.iter().find(|(k, _)| *k == c) {
            Some((_, v)) => out.push_str(v),
            None => out.push(c),
        }
    }
    ascii_fold(&out)
}

/// Generates `n_users` users (at least 12) and about `n_groups` groups from `seed`.
pub fn generate(seed: u64, n_users: usize, n_groups: usize) -> SampleDirectory {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n_users = n_users.max(12);
    let mut used_names = std::collections::HashSet::new();
    let mut users: Vec<SampleUser> = Vec::with_capacity(n_users);

    // Department of each user: the CEO in the first, one head per department, then the rest.
    let mut dept_of = Vec::with_capacity(n_users);
    dept_of.push(0usize);
    for d in 0..DEPARTMENTS.len().min(n_users - 1) {
        dept_of.push(d);
    }
    let weights = [28u32, 8, 14, 7, 10, 6, 5, 3, 6, 3];
    let total: u32 = weights.iter().sum();
    while dept_of.len() < n_users {
        let mut pick = rng.random_range(0..total);
        let mut d = 0;
        while pick >= weights[d] {
            pick -= weights[d];
            d += 1;
        }
        dept_of.push(d);
    }

    // Team leads: roughly one per eight people per department, chosen among the non-heads.
    let mut heads = vec![0usize; DEPARTMENTS.len()];
    let mut leads: Vec<Vec<usize>> = vec![Vec::new(); DEPARTMENTS.len()];
    for (i, &d) in dept_of.iter().enumerate() {
        if i >= 1 && i <= DEPARTMENTS.len() {
            heads[d] = i;
        }
    }
    let mut level = vec![3u8; n_users];
    level[0] = 0;
    for h in &heads {
        level[*h] = 1;
    }
    let mut staff_count = vec![0usize; DEPARTMENTS.len()];
    for i in (DEPARTMENTS.len() + 1)..n_users {
        let d = dept_of[i];
        if staff_count[d].is_multiple_of(8) {
            level[i] = 2;
            leads[d].push(i);
        }
        staff_count[d] += 1;
    }

    for i in 0..n_users {
        let d = dept_of[i];
        let (givens, families) = CULTURES[rng.random_range(0..CULTURES.len())];
        let given = *givens.choose(&mut rng).unwrap_or(&"Alex");
        let family = *families.choose(&mut rng).unwrap_or(&"Doe");
        let base = format!("{}.{}", latin(given), latin(family));
        let mut user_name = base.clone();
        let mut k = 2;
        while !used_names.insert(user_name.clone()) {
            user_name = format!("{base}{k}");
            k += 1;
        }
        let email = format!("{user_name}@example.com");
        let (dept, cc, division, titles) = DEPARTMENTS[d];
        let title = match level[i] {
            0 => "Chief Executive Officer".to_string(),
            1 => format!("Head of {dept}"),
            2 => format!("{} Lead", titles[0]),
            _ => titles.choose(&mut rng).unwrap_or(&"Specialist").to_string(),
        };
        let manager = match level[i] {
            0 => None,
            1 => Some(0),
            2 => Some(heads[d]),
            _ => leads[d].choose(&mut rng).copied().or(Some(heads[d])),
        };
        let office = OFFICES[rng.random_range(0..OFFICES.len())];
        let active = level[i] < 3 || rng.random_range(0..100) >= 11;
        let employee_number = format!("{:06}", 100_000 + i);
        let mut emails = vec![json!({"value": email, "type": "work", "primary": true})];
        if rng.random_range(0..3) == 0 {
            emails.push(json!({
                "value": format!("{}.{}@mail.example.org", latin(given), rng.random_range(10..99)),
                "type": "home"
            }));
        }
        let mut phones = vec![json!({
            "value": format!("+44 20 7946 {:04}", rng.random_range(0..10_000)),
            "type": "work"
        })];
        if rng.random_range(0..2) == 0 {
            phones.push(json!({
                "value": format!("+44 7700 9{:05}", rng.random_range(0..100_000)),
                "type": "mobile"
            }));
        }
        let locale = [
            "en-GB", "de-DE", "fr-FR", "es-ES", "en-US", "ja-JP", "en-SG", "sv-SE",
        ][OFFICES.iter().position(|o| o.1 == office.1).unwrap_or(0)];
        let mut resource = json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "externalId": format!("hr-{employee_number}"),
            "userName": user_name,
            "name": {
                "givenName": given,
                "familyName": family,
                "formatted": format!("{given} {family}"),
            },
            "displayName": format!("{given} {family}"),
            "title": title,
            "userType": if rng.random_range(0..12) == 0 { "Contractor" } else { "Employee" },
            "preferredLanguage": locale.split('-').next().unwrap_or("en"),
            "locale": locale,
            "timezone": "Europe/London",
            "active": active,
            "emails": emails,
            "phoneNumbers": phones,
            "addresses": [{
                "type": "work",
                "streetAddress": office.0,
                "locality": office.1,
                "region": office.2,
                "postalCode": office.3,
                "country": office.4,
                "primary": true
            }],
        });
        if let Some(obj) = resource.as_object_mut() {
            obj.insert(
                ENTERPRISE_USER_SCHEMA.to_string(),
                json!({
                    "employeeNumber": employee_number,
                    "costCenter": cc,
                    "organization": "Northwind Example Ltd",
                    "division": division,
                    "department": dept,
                }),
            );
        }
        users.push(SampleUser {
            index: i,
            resource,
            manager,
            level: level[i],
        });
    }

    // Groups: departments, teams, projects, company-wide.
    let mut groups = Vec::new();
    for (d, (dept, ..)) in DEPARTMENTS.iter().enumerate() {
        groups.push(SampleGroup {
            display_name: format!("Dept - {dept}"),
            external_id: format!("dept-{}", ascii_fold(dept)),
            user_members: (0..n_users)
                .filter(|&i| dept_of[i] == d && i != 0)
                .collect(),
        });
    }
    for (d, (dept, ..)) in DEPARTMENTS.iter().enumerate() {
        for (t, &lead) in leads[d].iter().enumerate() {
            if groups.len() >= n_groups.saturating_sub(PROJECTS.len() + COMPANY_GROUPS.len()) {
                break;
            }
            let mut members: Vec<usize> = users
                .iter()
                .filter(|u| u.manager == Some(lead))
                .map(|u| u.index)
                .collect();
            members.push(lead);
            members.sort_unstable();
            groups.push(SampleGroup {
                display_name: format!("{dept} Team {}", t + 1),
                external_id: format!("team-{}-{}", ascii_fold(dept), t + 1),
                user_members: members,
            });
        }
    }
    for p in PROJECTS {
        let size = rng.random_range(4..40).min(n_users);
        let mut members: Vec<usize> = (0..n_users).collect();
        members.shuffle(&mut rng);
        members.truncate(size);
        members.sort_unstable();
        groups.push(SampleGroup {
            display_name: p.to_string(),
            external_id: format!("proj-{}", ascii_fold(p.trim_start_matches("Project "))),
            user_members: members,
        });
    }
    for g in COMPANY_GROUPS {
        let members: Vec<usize> = match *g {
            "All Staff" => (0..n_users).collect(),
            "People Managers" => (0..n_users).filter(|&i| level[i] < 3).collect(),
            _ => {
                let size = rng.random_range(3..25).min(n_users);
                let mut m: Vec<usize> = (0..n_users).collect();
                m.shuffle(&mut rng);
                m.truncate(size);
                m.sort_unstable();
                m
            }
        };
        groups.push(SampleGroup {
            display_name: g.to_string(),
            external_id: format!("org-{}", ascii_fold(g)),
            user_members: members,
        });
    }
    // Top up with extra project groups when a larger group count was asked for.
    let mut extra = 1;
    while groups.len() < n_groups {
        let size = rng.random_range(2..15).min(n_users);
        let mut m: Vec<usize> = (0..n_users).collect();
        m.shuffle(&mut rng);
        m.truncate(size);
        m.sort_unstable();
        groups.push(SampleGroup {
            display_name: format!("Working Group {extra}"),
            external_id: format!("wg-{extra}"),
            user_members: m,
        });
        extra += 1;
    }

    SampleDirectory { users, groups }
}

/// The JSON of a group for creation, given the provider ids of its users.
pub fn group_resource(g: &SampleGroup, user_ids: &[String]) -> Value {
    let members: Vec<Value> = g
        .user_members
        .iter()
        .filter_map(|&i| user_ids.get(i))
        .map(|id| json!({"value": id, "type": "User"}))
        .collect();
    json!({
        "schemas": [GROUP_SCHEMA],
        "displayName": g.display_name,
        "externalId": g.external_id,
        "members": members,
    })
}

/// `n` users for benchmarks: distinct people, generated 20,000 at a time (each block from its
/// own seed, so names, departments, titles and addresses vary as in the sample directory), with
/// user names, work addresses, externalIds and employee numbers unique across blocks, fresh ids,
/// and `meta` as a provider sends it.
pub fn many_users(seed: u64, n: usize) -> impl Iterator<Item = Value> {
    const BLOCK: usize = 20_000;
    let mut block: Option<(usize, SampleDirectory)> = None;
    let mut used = std::collections::HashSet::new();
    (0..n).map(move |i| {
        let k = i / BLOCK;
        if block.as_ref().map(|b| b.0) != Some(k) {
            let size = (n - k * BLOCK).min(BLOCK);
            block = Some((k, generate(seed.wrapping_add(7919 * k as u64), size, 0)));
        }
        let mut u = match &block {
            Some((_, dir)) => dir.users[i % BLOCK].resource.clone(),
            None => json!({}),
        };
        u["id"] = json!(format!("{i:08x}-7a1e-4c3b-9d2f-000000000000"));
        // Unique across blocks: the same name in two blocks gets a number, as HR systems do.
        let base = u["userName"].as_str().unwrap_or("user").to_string();
        let mut name = base.clone();
        let mut again = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}{}", k * 100 + again);
            again += 1;
        }
        if name != base {
            u["userName"] = json!(name);
            if let Some(work) = u["emails"].get_mut(0) {
                work["value"] = json!(format!("{name}@example.com"));
            }
        }
        u["externalId"] = json!(format!("hr-{}", 100_000 + i));
        if let Some(ext) = u.get_mut(ENTERPRISE_USER_SCHEMA) {
            ext["employeeNumber"] = json!(format!("{}", 100_000 + i));
        }
        u["meta"] = json!({"resourceType": "User", "created": "2026-01-05T09:00:00Z",
            "lastModified": "2026-11-20T10:00:00Z", "version": format!("W/\"{i}\"")});
        u
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_users_are_distinct_people_past_one_block() {
        let users: Vec<Value> = many_users(7, 45_000).collect();
        let distinct = |key: &dyn Fn(&Value) -> String| {
            users
                .iter()
                .map(key)
                .collect::<std::collections::HashSet<_>>()
                .len()
        };
        let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
        assert_eq!(distinct(&|u| text(u, "userName")), 45_000);
        assert_eq!(distinct(&|u| text(u, "externalId")), 45_000);
        assert_eq!(distinct(&|u| u["emails"][0]["value"].to_string()), 45_000);
        // Not copies: the people of the second block are others than the first's.
        let person = |u: &Value| {
            format!(
                "{} {} {}",
                u["name"]["formatted"], u["title"], u["addresses"][0]["streetAddress"]
            )
        };
        let first: std::collections::HashSet<String> = users[..20_000].iter().map(person).collect();
        let again = users[20_000..40_000]
            .iter()
            .filter(|u| first.contains(&person(u)))
            .count();
        assert!(again < 10_000, "{again} of 20,000 repeat the first block");
    }

    #[test]
    fn the_same_seed_gives_the_same_directory() {
        let a = generate(7, 300, 50);
        let b = generate(7, 300, 50);
        assert_eq!(a.users.len(), 300);
        for (x, y) in a.users.iter().zip(&b.users) {
            assert_eq!(x.resource, y.resource, "generation must be deterministic");
        }
        let c = generate(8, 300, 50);
        assert_ne!(
            a.users[5].resource, c.users[5].resource,
            "another seed, other people"
        );
    }

    #[test]
    fn the_demo_directory_is_realistic() {
        let d = generate(DEMO_SEED, 1000, 50);
        assert_eq!(d.users.len(), 1000);
        assert!(
            d.groups.len() >= 50,
            "at least 50 groups, got {}",
            d.groups.len()
        );
        let names: std::collections::HashSet<_> = d
            .users
            .iter()
            .map(|u| u.resource["userName"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names.len(), 1000, "user names are unique");
        assert!(names.iter().all(|n| n.is_ascii()), "user names are ASCII");
        let non_ascii = d
            .users
            .iter()
            .filter(|u| !u.resource["displayName"].as_str().unwrap().is_ascii())
            .count();
        assert!(
            non_ascii > 100,
            "many display names are non-ASCII ({non_ascii})"
        );
        let inactive = d
            .users
            .iter()
            .filter(|u| u.resource["active"] == false)
            .count();
        assert!(
            (60..=150).contains(&inactive),
            "about 10% inactive, got {inactive}"
        );
        for u in &d.users {
            if let Some(m) = u.manager {
                assert!(
                    d.users[m].level < u.level,
                    "managers sit above their reports"
                );
            }
            let ent = &u.resource[ENTERPRISE_USER_SCHEMA];
            for k in [
                "employeeNumber",
                "department",
                "costCenter",
                "organization",
                "division",
            ] {
                assert!(ent[k].is_string(), "{k} is set");
            }
        }
        assert!(d.groups.iter().all(|g| !g.user_members.is_empty()));
        let sizes: Vec<_> = d.groups.iter().map(|g| g.user_members.len()).collect();
        assert!(
            sizes.iter().max().unwrap() > &500,
            "an all-staff sized group exists"
        );
        assert!(sizes.iter().min().unwrap() < &10, "small groups exist");
    }

    #[test]
    fn folding_gives_ascii() {
        assert_eq!(ascii_fold("Jürgen"), "jurgen");
        assert_eq!(latin("Дмитрий"), "dmitriy");
        assert_eq!(latin("Νίκος"), "nikos");
        assert_eq!(ascii_fold("Ødegård"), "odegard");
    }
}

//! Seeded names: first and last names drawn from fixed lists, each person unique.

use super::plan::Plan;

const FIRST: &[&str] = &[
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Sarah",
    "Jade",
    "Louise",
    "Alice",
    "Lina",
    "Emma",
    "Zoé",
    "Juliette",
    "Clara",
    "Anaïs",
    "Margaux",
    "Élise",
    "Nadia",
    "Fatou",
    "Aïcha",
    "Mei",
    "Sofia",
    "Hanna",
    "Marta",
    "Irène",
    "Agnès",
    "Hélène",
    "Sylvie",
    "Nathalie",
    "Claire",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Adam",
    "Nathan",
    "Théo",
    "Raphaël",
    "Karim",
    "Yanis",
    "Mehdi",
    "Samir",
    "Omar",
    "Malik",
    "Thomas",
    "Julien",
    "Nicolas",
    "Pierre",
    "Antoine",
    "Olivier",
    "Marc",
    "Vincent",
    "Benoît",
    "Jérôme",
    "François",
    "Luc",
    "Pablo",
    "Tomasz",
    "Jonas",
    "Kofi",
    "Noah",
    "Bastien",
    "Damien",
    "Yves",
    "Rémi",
    "Cédric",
    "Paul",
];

const LAST: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Diallo",
    "Benali",
    "Kowalski",
    "Haddad",
    "Traoré",
    "Marchand",
    "Barbier",
    "Brun",
    "Meunier",
    "Leclerc",
];

/// A name source that never gives the same person twice.
#[derive(Default)]
pub(super) struct Names {
    used: Vec<String>,
}

impl Names {
    /// A fresh `(id, display name)`: the id is the name as a slug (`lea-dubois`).
    pub fn next(&mut self, plan: &mut Plan) -> (String, String) {
        loop {
            let first = *plan.pick(FIRST);
            let last = *plan.pick(LAST);
            let id = slug(&format!("{first}-{last}"));
            if !self.used.contains(&id) {
                self.used.push(id.clone());
                return (id, format!("{first} {last}"));
            }
        }
    }
}

/// Lowercase ASCII, accents dropped, spaces as dashes.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'À' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_drop_accents() {
        assert_eq!(super::slug("Élise-Guérin"), "elise-guerin");
        assert_eq!(super::slug("Aïcha-François"), "aicha-francois");
    }
}

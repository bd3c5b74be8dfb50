"""French words for the kinds of place or service (`subcategory`) the data uses most.

Subcategories are free text written by whoever compiled the data. The common ones are translated
here whole; a longer value whose head (the words before "(", ";" or ":") is known is shown as that
translated head with the rest kept as written; anything else stays as the source wrote it.

>>> french("food bank"), french("Food Bank")
('banque alimentaire', 'banque alimentaire')
>>> french("arena (1,000 seats), indoor fieldhouse")
'aréna (1,000 seats), indoor fieldhouse'
>>> french("a kind nobody listed") is None
True
"""

from __future__ import annotations

import re

FRENCH: dict[str, str] = {
    "arena": "aréna",
    "beach": "plage",
    "child and youth mental health; child protection": "santé mentale des enfants et des jeunes; protection de l'enfance",
    "clinic": "clinique",
    "community centre": "centre communautaire",
    "community fridge": "frigo communautaire",
    "community garden": "jardin communautaire",
    "community garden (free raised beds)": "jardin communautaire (bacs surélevés gratuits)",
    "community meal": "repas communautaire",
    "community mental health and addictions": "santé mentale et dépendances (services communautaires)",
    "demand-responsive curb-to-curb bus": "autobus sur demande, de trottoir à trottoir",
    "developmental services agency": "organisme de services aux personnes ayant une déficience intellectuelle",
    "family health team clinic": "clinique d'équipe de santé familiale",
    "first nation administration": "administration de la Première Nation",
    "food bank": "banque alimentaire",
    "heritage or historic site": "lieu patrimonial ou historique",
    "hospice": "maison de soins palliatifs",
    "hospital": "hôpital",
    "intercity bus stop": "arrêt d'autobus interurbain",
    "intercity bus stop / ticket agent": "arrêt d'autobus interurbain / billetterie",
    "library or archives": "bibliothèque ou archives",
    "licensed child care": "garde d'enfants agréée",
    "long-term care home": "foyer de soins de longue durée",
    "low-cost fresh food basket program": "paniers d'aliments frais à bas prix",
    "low-cost fresh food basket program (monthly)": "paniers d'aliments frais à bas prix (mensuel)",
    "meal delivery": "livraison de repas",
    "meal delivery (hot and frozen)": "livraison de repas (chauds et surgelés)",
    "meal delivery (volunteer)": "livraison de repas (bénévoles)",
    "meal program": "programme de repas",
    "miscellaneous": "divers",
    "municipal beach": "plage municipale",
    "municipal office": "bureau municipal",
    "municipal office (township services)": "bureau municipal (services du canton)",
    "municipal park and beach": "parc et plage municipaux",
    "museum": "musée",
    "national park": "parc national",
    "ontario works, housing supports, emergency assistance": ("Ontario au travail, aide au logement, aide d'urgence"),
    "provincial park": "parc provincial",
    "rail station": "gare",
    "school meal program (students only)": "programme de repas scolaire (élèves seulement)",
    "seniors centre": "centre pour aînés",
    "service club": "club philanthropique",
    "town fixed-route bus": "autobus municipal à itinéraire fixe",
    "transitional housing for youth 16-24": "logement de transition pour les jeunes de 16 à 24 ans",
    "veterans / service club hall": "salle des anciens combattants / club philanthropique",
    "volunteer driver program (medical and errands)": "chauffeurs bénévoles (rendez-vous médicaux et courses)",
    "youth mentoring": "mentorat pour les jeunes",
    "24-hour women's crisis shelter": "refuge d'urgence pour femmes ouvert 24 heures sur 24",
}

_HEAD = re.compile(r"^([^(;:]+?)\s*([(;:].*)$")


def french(text: str | None) -> str | None:
    """The French for a subcategory, or None when this vocabulary does not know it."""
    if not text:
        return None
    key = text.strip().lower()
    if key in FRENCH:
        return FRENCH[key]
    m = _HEAD.match(text.strip())
    if m and m.group(1).lower() in FRENCH:
        rest = m.group(2)
        return FRENCH[m.group(1).lower()] + (" " if rest[0] == "(" else "") + rest
    return None

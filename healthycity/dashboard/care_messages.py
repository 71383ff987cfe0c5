"""Messages of the access-to-care pages (care finder, APL map, scenarios, commune section).

Kept apart from :mod:`healthycity.dashboard.i18n`, which merges them into ``MESSAGES``, so
that the catalogue of one domain's pages stays readable.
"""

from typing import Literal

CARE_MESSAGES: dict[str, dict[Literal["fr", "en"], str]] = {
    # Kinds of care a citizen looks for (healthycity.care_access.finder.FINDER_KINDS).
    "care_kind_general_practitioner": {"fr": "Médecin généraliste", "en": "General practitioner"},
    "care_kind_pharmacy": {"fr": "Pharmacie", "en": "Pharmacy"},
    "care_kind_emergency": {"fr": "Urgences", "en": "Emergency department"},
    "care_kind_ehpad": {"fr": "Ehpad", "en": "Nursing home (Ehpad)"},
    "care_kind_teleconsultation": {
        "fr": "Point de téléconsultation",
        "en": "Teleconsultation point",
    },
    "care_kind_msp": {
        "fr": "Maison de santé (MSP)",
        "en": "Multi-professional health centre (MSP)",
    },
    "care_kind_health_centre": {"fr": "Centre de santé", "en": "Health centre"},
    # "{count} of a kind": one and many.
    "care_one_general_practitioner": {
        "fr": "{count} médecin généraliste",
        "en": "{count} general practitioner",
    },
    "care_many_general_practitioner": {
        "fr": "{count} médecins généralistes",
        "en": "{count} general practitioners",
    },
    "care_one_pharmacy": {"fr": "{count} pharmacie", "en": "{count} pharmacy"},
    "care_many_pharmacy": {"fr": "{count} pharmacies", "en": "{count} pharmacies"},
    "care_one_emergency": {
        "fr": "{count} service d'urgences",
        "en": "{count} emergency department",
    },
    "care_many_emergency": {
        "fr": "{count} services d'urgences",
        "en": "{count} emergency departments",
    },
    "care_one_ehpad": {"fr": "{count} Ehpad", "en": "{count} nursing home"},
    "care_many_ehpad": {"fr": "{count} Ehpad", "en": "{count} nursing homes"},
    "care_one_teleconsultation": {
        "fr": "{count} point de téléconsultation",
        "en": "{count} teleconsultation point",
    },
    "care_many_teleconsultation": {
        "fr": "{count} points de téléconsultation",
        "en": "{count} teleconsultation points",
    },
    "care_one_msp": {"fr": "{count} maison de santé", "en": "{count} MSP"},
    "care_many_msp": {"fr": "{count} maisons de santé", "en": "{count} MSPs"},
    "care_one_health_centre": {"fr": "{count} centre de santé", "en": "{count} health centre"},
    "care_many_health_centre": {
        "fr": "{count} centres de santé",
        "en": "{count} health centres",
    },
    # The care finder (/soins).
    "finder_title": {"fr": "Trouver un soin", "en": "Find care"},
    "finder_intro": {
        "fr": "Le lieu de soins le plus proche d'une commune ou de votre position, avec un "
        "temps de trajet estimé en voiture.",
        "en": "The nearest place of care from a commune or from where you are, with an "
        "estimated driving time.",
    },
    "finder_kind": {"fr": "Je cherche", "en": "I am looking for"},
    "finder_commune": {"fr": "Depuis la commune", "en": "From the commune"},
    "finder_submit": {"fr": "Chercher", "en": "Search"},
    "finder_or": {"fr": "ou", "en": "or"},
    "finder_use_position": {"fr": "Utiliser ma position", "en": "Use my position"},
    "finder_locating": {"fr": "Recherche de votre position…", "en": "Finding your position…"},
    "finder_position_failed": {
        "fr": "Votre position n'est pas disponible ({reason}) : cherchez plutôt une commune.",
        "en": "Your position is not available ({reason}): search for a commune instead.",
    },
    "finder_position_privacy": {
        "fr": "Votre position est arrondie à environ 100 m dans votre navigateur, puis envoyée "
        "à ce seul serveur pour le calcul ; elle n'est pas conservée dans la base.",
        "en": "Your position is rounded to about 100 m in your browser, then sent to this "
        "server only for the calculation; it is not kept in the database.",
    },
    "finder_choose_commune": {
        "fr": "Plusieurs communes correspondent à « {query} » : choisissez-en une.",
        "en": "Several communes match “{query}”: choose one.",
    },
    "finder_from_commune": {
        "fr": "Depuis le centre de {name} ({code})",
        "en": "From the centre of {name} ({code})",
    },
    "finder_from_position": {"fr": "Depuis votre position", "en": "From your position"},
    "finder_from_position_in": {
        "fr": "Depuis votre position, à {name}",
        "en": "From your position, in {name}",
    },
    "finder_results": {
        "fr": "{kind} : les {count} plus proches",
        "en": "{kind}: the {count} nearest",
    },
    "finder_none": {
        "fr": "Aucun lieu de ce type n'est connu dans les données du territoire.",
        "en": "No place of this kind is known in the territory's data.",
    },
    "finder_unknown_commune": {
        "fr": "Aucune commune n'a le code « {code} ».",
        "en": "No commune has the code “{code}”.",
    },
    "finder_outside_france": {
        "fr": "Cette position n'est pas en France : cherchez plutôt une commune.",
        "en": "This position is not in France: search for a commune instead.",
    },
    "finder_distance": {"fr": "{value} km à vol d'oiseau", "en": "{value} km as the crow flies"},
    "finder_time": {"fr": "≈ {value} min en voiture", "en": "≈ {value} min by car"},
    "finder_in_commune": {
        "fr": "{what} dans la commune (BPE {year})",
        "en": "{what} in the commune (BPE {year})",
    },
    "finder_exact": {"fr": "Adresse exacte", "en": "Exact address"},
    "finder_commune_centre": {
        "fr": "Position : centre de la commune (adresse non connue)",
        "en": "Location: centre of the commune (address not known)",
    },
    "finder_departement_centre": {
        "fr": "Position : centre du département (adresse non fiable)",
        "en": "Location: centre of the département (address not reliable)",
    },
    "finder_hours": {"fr": "Horaires : {hours}", "en": "Opening hours: {hours}"},
    "finder_hours_unknown": {"fr": "Horaires non renseignés", "en": "Opening hours not known"},
    "finder_open_now": {"fr": "ouvert maintenant", "en": "open now"},
    "finder_closed_now": {"fr": "fermé maintenant", "en": "closed now"},
    "finder_map_caption": {
        "fr": "Rond blanc : point de départ. Numéros : lieux trouvés, en trait plein à leur "
        "adresse, en pointillé au centre de leur commune. Traits : limites des départements.",
        "en": "White dot: starting point. Numbers: places found, solid at their address, "
        "dotted at the centre of their commune. Lines: département boundaries.",
    },
    "finder_method_title": {"fr": "Comment lire ces résultats", "en": "How to read these results"},
    "finder_method_time": {
        "fr": "Le temps de trajet est estimé, ce n'est pas un itinéraire : distance à vol "
        "d'oiseau × {detour} (détours de la route) à {speed} km/h, plus {access} minutes "
        "pour rejoindre la route et se garer.",
        "en": "The travel time is an estimate, not a route: straight-line distance × "
        "{detour} (road detours) at {speed} km/h, plus {access} minutes to reach the road "
        "and park.",
    },
    "finder_method_bpe": {
        "fr": "Médecins, pharmacies, Ehpad, urgences, maisons et centres de santé viennent "
        "de la Base permanente des équipements (BPE) de l'INSEE, qui donne un nombre par "
        "commune et non des adresses : ils sont placés au centre de leur commune. Seuls les "
        "lieux enregistrés avec leur adresse ont une position exacte.",
        "en": "Doctors, pharmacies, nursing homes, emergency departments and health centres "
        "come from INSEE's Permanent Database of Facilities (BPE), which gives a number per "
        "commune, not addresses: they are placed at the centre of their commune. Only places "
        "registered with their address have an exact location.",
    },
    "finder_method_emergency": {
        "fr": "En cas d'urgence vitale, appelez le 15 (ou le 112).",
        "en": "In a life-threatening emergency, call 15 (or 112).",
    },
    "finder_source": {
        "fr": "Sources : INSEE, Base permanente des équipements ; FINESS (établissements de "
        "santé) ; lieux enregistrés par le territoire.",
        "en": "Sources: INSEE, Permanent Database of Facilities (BPE); FINESS (health "
        "establishments); places registered by the territory.",
    },
    # The access-to-care section of a commune page.
    "care_section_title": {"fr": "Accès aux soins", "en": "Access to care"},
    "care_nearby_title": {
        "fr": "Soins à moins de {minutes} minutes",
        "en": "Care within {minutes} minutes",
    },
    "care_nearby_intro": {
        "fr": "Temps de trajet en voiture estimés depuis le centre de la commune (distance à "
        "vol d'oiseau × {detour} à {speed} km/h, plus {access} minutes) ; les lieux comptés "
        "par la BPE sont placés au centre de leur commune.",
        "en": "Driving times estimated from the centre of the commune (straight-line "
        "distance × {detour} at {speed} km/h, plus {access} minutes); places counted by the "
        "BPE are placed at the centre of their commune.",
    },
    "care_col_kind": {"fr": "Type de soin", "en": "Kind of care"},
    "care_col_within": {"fr": "À moins de {minutes} min", "en": "Within {minutes} min"},
    "care_col_nearest": {"fr": "Le plus proche", "en": "Nearest"},
    "care_col_time": {"fr": "Temps estimé", "en": "Estimated time"},
    "care_col_distance": {"fr": "Distance", "en": "Distance"},
    "care_none_known": {"fr": "aucun connu", "en": "none known"},
    "care_time_value": {"fr": "≈ {value} min", "en": "≈ {value} min"},
    "care_distance_value": {"fr": "{value} km", "en": "{value} km"},
    "care_centre_note": {"fr": "centre de la commune", "en": "commune centre"},
    "care_find_from": {
        "fr": "Trouver un soin depuis {name}",
        "en": "Find care from {name}",
    },
    "care_map_link": {
        "fr": "Carte de l'accessibilité aux médecins généralistes (APL)",
        "en": "Map of access to general practitioners (APL)",
    },
    # The APL map (/acces-aux-soins).
    "apl_title": {
        "fr": "Accessibilité aux médecins généralistes (APL)",
        "en": "Access to general practitioners (APL)",
    },
    "apl_intro": {
        "fr": "L'accessibilité potentielle localisée (APL) de chaque commune de {territory} : "
        "le nombre de consultations de médecine générale accessibles par an et par habitant, "
        "compte tenu des médecins proches et de la population qui y a recours. Survolez une "
        "commune pour lire son APL ; cliquez pour ouvrir sa fiche.",
        "en": "The localised potential accessibility (APL) of each commune of {territory}: "
        "the number of general-practice consultations available per year and per inhabitant, "
        "given the nearby doctors and the population that uses them. Hover over a commune to "
        "read its APL; click to open its page.",
    },
    "apl_map_label": {
        "fr": "Carte des communes selon leur APL aux médecins généralistes",
        "en": "Map of the communes by their APL to general practitioners",
    },
    "apl_legend_title": {
        "fr": "APL aux médecins généralistes (consultations par an et par habitant standardisé)",
        "en": "APL to general practitioners (consultations per year per standardised inhabitant)",
    },
    "apl_class_under_dense": {
        "fr": "moins de {low} : zone sous-dense",
        "en": "under {low}: under-served (under-dense) area",
    },
    "apl_class_vigilance": {
        "fr": "de {low} à moins de {high} : zone de vigilance",
        "en": "{low} to under {high}: vigilance area",
    },
    "apl_class_adequate": {"fr": "{high} et plus", "en": "{high} and over"},
    "apl_short_under_dense": {"fr": "sous-dense", "en": "under-dense"},
    "apl_short_vigilance": {"fr": "vigilance", "en": "vigilance"},
    "apl_short_adequate": {"fr": "offre correcte", "en": "adequate"},
    "apl_not_computed": {"fr": "non calculée", "en": "not computed"},
    "apl_legend_source": {
        "fr": "Méthode et seuils : DREES (APL ; arrêté du 13 novembre 2017). Calcul "
        "healthycity sur données ouvertes : ce n'est pas l'APL officielle.",
        "en": "Method and thresholds: DREES (APL; order of 13 November 2017). Computed by "
        "healthycity from open data: this is not the official APL.",
    },
    "apl_value": {"fr": "APL : {value}", "en": "APL: {value}"},
    "apl_counts": {
        "fr": "{communes} commune(s), {population} hab.",
        "en": "{communes} commune(s), {population} inhabitants",
    },
    "apl_unavailable": {
        "fr": "L'APL ne peut pas être calculée pour ce territoire : {detail}",
        "en": "The APL cannot be computed for this territory: {detail}",
    },
    "apl_map_failed": {
        "fr": "La carte de l'APL n'a pas pu être chargée.",
        "en": "The APL map could not be loaded.",
    },
    "apl_inputs_title": {
        "fr": "Comment cette APL est calculée",
        "en": "How this APL is computed",
    },
    "apl_input_supply": {"fr": "Offre de médecins", "en": "Doctors' supply"},
    "apl_input_supply_counts": {
        "fr": "Médecins généralistes comptés par la BPE {bpe_year} de l'INSEE dans chaque "
        "commune, chacun crédité de {activity} consultations par an (l'activité que la DREES "
        "impute à un médecin dont l'activité n'est pas connue). L'activité réelle de chaque "
        "médecin, ses plafonds DREES et son âge ne sont pas dans les données ouvertes.",
        "en": "General practitioners counted by INSEE's BPE {bpe_year} in each commune, each "
        "credited with {activity} consultations a year (the activity DREES imputes to a "
        "doctor whose activity is not known). Each doctor's real activity, its DREES caps "
        "and the doctor's age are not in the open data.",
    },
    "apl_input_supply_activity": {
        "fr": "{practitioners} médecins généralistes du registre, avec leur activité plafonnée "
        "selon la DREES ({imputed} sans activité connue, crédités de l'activité standard).",
        "en": "{practitioners} general practitioners of the registry, with their activity "
        "capped as DREES does ({imputed} without a known activity, credited with the standard "
        "one).",
    },
    "apl_input_time": {"fr": "Temps de trajet", "en": "Travel times"},
    "apl_input_time_text": {
        "fr": "Modèle {provider} entre les centres des communes, jusqu'à {cutoff} minutes ; "
        "pondération DREES : 1 à moins de 10 minutes, 2/3 de 10 à 15, 1/3 de 15 à 20, 0 "
        "au-delà. Le modèle à vol d'oiseau multiplie la distance par 1,3 et roule à 60 km/h : "
        "il ignore le relief et le réseau routier réel.",
        "en": "The {provider} model between commune centres, up to {cutoff} minutes; DREES "
        "weights: 1 under 10 minutes, 2/3 from 10 to 15, 1/3 from 15 to 20, 0 beyond. The "
        "straight-line model multiplies the distance by 1.3 and drives at 60 km/h: it ignores "
        "the terrain and the real road network.",
    },
    "apl_input_demand": {"fr": "Population", "en": "Population"},
    "apl_input_demand_text": {
        "fr": "Population légale des communes, standardisée par âge avec les poids de "
        "consommation de soins de la DREES ; {ages}",
        "en": "Legal population of the communes, standardised by age with the DREES "
        "care-use weights; {ages}",
    },
    "apl_input_ages_estimated": {
        "fr": "la structure par âge de chaque commune est estimée d'après celle de son "
        "département ({year}).",
        "en": "each commune's age structure is estimated from its département's ({year}).",
    },
    "apl_input_ages_published": {
        "fr": "structure par âge publiée des communes ({year}).",
        "en": "published age structure of the communes ({year}).",
    },
    "apl_input_border": {"fr": "Communes voisines", "en": "Neighbouring communes"},
    "apl_input_border_text": {
        "fr": "Les communes des départements voisins ({departements}) comptent aussi, pour "
        "leurs médecins et leur population, afin que la frontière ne coupe pas les trajets.",
        "en": "The communes of the neighbouring départements ({departements}) count too, for "
        "their doctors and population, so that the border does not cut journeys.",
    },
    "apl_official_differs": {
        "fr": "L'APL officielle publiée par la DREES peut différer : elle s'appuie sur "
        "l'activité réelle de chaque médecin (assurance maladie), des temps de trajet "
        "routiers et les populations par âge de chaque commune. Pour s'en approcher, "
        "importez l'activité des médecins et un extrait OpenStreetMap du territoire.",
        "en": "The official APL published by DREES may differ: it uses each doctor's real "
        "activity (health insurance data), road travel times and each commune's population "
        "by age. To get closer, import the doctors' activity and an OpenStreetMap extract of "
        "the territory.",
    },
    "apl_thresholds": {
        "fr": "Seuils : moins de 2,5 consultations par an et par habitant standardisé, la "
        "commune est sous-dense (zone d'intervention prioritaire) ; de 2,5 à 4, zone de "
        "vigilance (arrêté du 13 novembre 2017 ; DREES, Les Dossiers de la DREES n° 17, 2017).",
        "en": "Thresholds: under 2.5 consultations per year per standardised inhabitant, the "
        "commune is under-dense (priority intervention area); from 2.5 to 4, vigilance area "
        "(order of 13 November 2017; DREES, Les Dossiers de la DREES no. 17, 2017).",
    },
    "apl_summary_title": {"fr": "Répartition des communes", "en": "Communes by class"},
    "apl_col_class": {"fr": "Classe", "en": "Class"},
    "apl_col_communes": {"fr": "Communes", "en": "Communes"},
    "apl_col_population": {"fr": "Habitants", "en": "Inhabitants"},
    "apl_scenarios_link": {
        "fr": "Tester un scénario (éditeur pour les agents du territoire)",
        "en": "Try a scenario (editor for the territory's officers)",
    },
    "apl_commune_title": {
        "fr": "APL aux médecins généralistes ({year})",
        "en": "APL to GPs ({year})",
    },
    "apl_commune_value": {
        "fr": "consultations par an et par habitant standardisé",
        "en": "consultations per year per standardised inhabitant",
    },
    "apl_commune_gps": {
        "fr": "Médecins généralistes dans la commune (BPE {year}) : {count}",
        "en": "General practitioners in the commune (BPE {year}): {count}",
    },
    "apl_commune_note": {
        "fr": "Estimation healthycity sur données ouvertes (temps à vol d'oiseau, activité "
        "standard par médecin) : l'APL officielle de la DREES peut différer.",
        "en": "healthycity estimate from open data (straight-line times, standard activity "
        "per doctor): the official DREES APL may differ.",
    },
    "apl_provider_straight-line": {"fr": "à vol d'oiseau", "en": "straight-line"},
    "apl_provider_road": {"fr": "réseau routier", "en": "road network"},
    "apl_provider_matrix": {"fr": "matrice de temps fournie", "en": "supplied time matrix"},
    # The scenario editor (/acces-aux-soins/scenarios).
    "scenario_title": {
        "fr": "Scénarios d'accès aux médecins généralistes",
        "en": "Scenarios of access to general practitioners",
    },
    "scenario_intro": {
        "fr": "Pour les agents du territoire : choisissez une commune sur la carte, ajoutez ou "
        "retirez des médecins, ouvrez une maison de santé ou un point de téléconsultation, et "
        "voyez l'APL de {territory} changer. Calculer, enregistrer et comparer des scénarios "
        "demande un jeton d'API de rôle territory_admin.",
        "en": "For the territory's officers: pick a commune on the map, add or remove doctors, "
        "open a health centre or a teleconsultation point, and see the APL of {territory} "
        "change. Computing, saving and comparing scenarios needs an API token with the "
        "territory_admin role.",
    },
    "scenario_noscript": {
        "fr": "L'éditeur de scénarios demande JavaScript ; sinon, utilisez l'API "
        "(POST /api/v1/care-access/scenarios/preview) ou la commande healthycity care scenario.",
        "en": "The scenario editor needs JavaScript; otherwise use the API "
        "(POST /api/v1/care-access/scenarios/preview) or the healthycity care scenario command.",
    },
    "scenario_token_label": {"fr": "Jeton d'agent du territoire", "en": "Officer token"},
    "scenario_token_hint": {
        "fr": "Collez un jeton d'API de rôle territory_admin. Il reste dans cet onglet et n'est "
        "envoyé qu'à l'API, dans l'en-tête Authorization.",
        "en": "Paste an API token with the territory_admin role. It stays in this tab and is "
        "only sent to the API, in the Authorization header.",
    },
    "scenario_token_missing": {
        "fr": "Collez d'abord votre jeton d'agent du territoire.",
        "en": "Paste your officer token first.",
    },
    "scenario_map_label": {
        "fr": "Carte de l'APL des communes, avant ou après le scénario",
        "en": "Map of the communes' APL, before or after the scenario",
    },
    "scenario_step_commune": {"fr": "1. Commune", "en": "1. Commune"},
    "scenario_commune": {"fr": "Commune", "en": "Commune"},
    "scenario_commune_hint": {
        "fr": "Ou cliquez sur une commune de la carte.",
        "en": "Or click a commune on the map.",
    },
    "scenario_choose": {"fr": "— choisir —", "en": "— choose —"},
    "scenario_step_change": {"fr": "2. Changement", "en": "2. Change"},
    "scenario_kind": {"fr": "Changement", "en": "Change"},
    "scenario_kind_add_gps": {
        "fr": "Installer des médecins généralistes",
        "en": "Add general practitioners",
    },
    "scenario_kind_remove_gps": {
        "fr": "Retirer des médecins généralistes",
        "en": "Remove general practitioners",
    },
    "scenario_kind_retire_gp": {
        "fr": "Départ en retraite d'un médecin",
        "en": "A general practitioner retires",
    },
    "scenario_kind_open_msp": {
        "fr": "Ouvrir une maison de santé (MSP)",
        "en": "Open a multi-professional health centre (MSP)",
    },
    "scenario_kind_add_teleconsultation": {
        "fr": "Ouvrir un point de téléconsultation",
        "en": "Open a teleconsultation point",
    },
    "scenario_count": {"fr": "Nombre de médecins", "en": "Number of doctors"},
    "scenario_add": {"fr": "Ajouter au scénario", "en": "Add to the scenario"},
    "scenario_changes": {"fr": "Changements du scénario", "en": "Changes of the scenario"},
    "scenario_no_changes": {
        "fr": "Aucun changement : la carte montre l'APL actuelle.",
        "en": "No change: the map shows the current APL.",
    },
    "scenario_change_text": {
        "fr": "{commune} : {what}",
        "en": "{commune}: {what}",
    },
    "scenario_change_count": {"fr": "{kind} ({count})", "en": "{kind} ({count})"},
    "scenario_remove_change": {"fr": "Enlever", "en": "Remove"},
    "scenario_computing": {"fr": "Calcul en cours…", "en": "Computing…"},
    "scenario_computed": {
        "fr": "Scénario calculé en {ms} ms.",
        "en": "Scenario computed in {ms} ms.",
    },
    "scenario_failed": {"fr": "Échec : {detail}", "en": "Failed: {detail}"},
    "scenario_summary": {"fr": "Effet du scénario", "en": "Effect of the scenario"},
    "scenario_changed": {
        "fr": "Communes dont l'APL change",
        "en": "Communes whose APL changes",
    },
    "scenario_class_changes": {
        "fr": "Communes qui changent de classe",
        "en": "Communes changing class",
    },
    "scenario_out_of_under_dense": {
        "fr": "Habitants qui sortent d'une zone sous-dense",
        "en": "Inhabitants leaving an under-dense area",
    },
    "scenario_into_under_dense": {
        "fr": "Habitants qui entrent dans une zone sous-dense",
        "en": "Inhabitants entering an under-dense area",
    },
    "scenario_under_dense": {
        "fr": "Communes sous-denses (habitants), avant → après",
        "en": "Under-dense communes (inhabitants), before → after",
    },
    "scenario_mean_apl": {
        "fr": "APL moyenne du territoire, avant → après",
        "en": "Mean APL of the territory, before → after",
    },
    "scenario_people": {
        "fr": "{population} hab. ({communes} commune(s))",
        "en": "{population} inhabitants ({communes} commune(s))",
    },
    "scenario_none": {"fr": "aucune", "en": "none"},
    "scenario_compare_none": {
        "fr": "Aucune : les deux scénarios classent toutes les communes de la même façon.",
        "en": "None: both scenarios put every commune in the same class.",
    },
    "scenario_save_title": {"fr": "3. Enregistrer", "en": "3. Save"},
    "scenario_name": {"fr": "Nom du scénario", "en": "Name of the scenario"},
    "scenario_save": {"fr": "Enregistrer le scénario", "en": "Save the scenario"},
    "scenario_saved": {
        "fr": "Scénario n° {id} enregistré.",
        "en": "Scenario no. {id} saved.",
    },
    "scenario_saved_title": {"fr": "Scénarios enregistrés", "en": "Saved scenarios"},
    "scenario_saved_none": {
        "fr": "Aucun scénario enregistré pour ce territoire (ou jeton absent).",
        "en": "No scenario saved for this territory (or no token).",
    },
    "scenario_compare_first": {"fr": "Scénario A", "en": "Scenario A"},
    "scenario_compare_second": {"fr": "Scénario B", "en": "Scenario B"},
    "scenario_compare": {"fr": "Comparer", "en": "Compare"},
    "scenario_compare_title": {
        "fr": "Comparaison de deux scénarios",
        "en": "Comparison of two scenarios",
    },
    "scenario_compare_differ": {
        "fr": "Communes dont la classe diffère entre A et B",
        "en": "Communes whose class differs between A and B",
    },
    "scenario_compare_base": {
        "fr": "Attention : les deux scénarios ne partent pas des mêmes bases ({what}).",
        "en": "Caution: the two scenarios do not start from the same base ({what}).",
    },
    "scenario_label": {
        "fr": "n° {id} — {name} ({changes} changement(s))",
        "en": "no. {id} — {name} ({changes} change(s))",
    },
    "scenario_tooltip_after": {
        "fr": "APL : {before} → {after}",
        "en": "APL: {before} → {after}",
    },
    "scenario_legend_changed": {
        "fr": "Trait pointillé : APL modifiée par le scénario",
        "en": "Dotted outline: APL changed by the scenario",
    },
    "scenario_back": {"fr": "Retour à la carte de l'APL", "en": "Back to the APL map"},
    "scenario_view": {"fr": "Carte", "en": "Map"},
    "scenario_view_after": {"fr": "après le scénario", "en": "after the scenario"},
    "scenario_view_before": {"fr": "avant (APL actuelle)", "en": "before (current APL)"},
    "scenario_compare_under_dense": {
        "fr": "Habitants en zone sous-dense après le scénario",
        "en": "Inhabitants in under-dense areas after the scenario",
    },
    "scenario_compare_mean": {
        "fr": "APL moyenne après le scénario",
        "en": "Mean APL after the scenario",
    },
}

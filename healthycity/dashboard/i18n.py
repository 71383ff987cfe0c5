"""Interface languages: French first, English on request, and numbers written the local way."""

from dataclasses import dataclass
from typing import Literal, get_args

from healthycity.dashboard.care_messages import CARE_MESSAGES

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT_LANGUAGE: Language = "fr"
LANGUAGE_COOKIE = "hc_lang"

# French typography puts a narrow no-break space between thousands and before "%" and ":"
# (Imprimerie nationale, Lexique des règles typographiques, 2002; CLDR "fr" number symbols).
_NARROW_NBSP = "\u202f"
_SEPARATORS: dict[Language, tuple[str, str]] = {"fr": (_NARROW_NBSP, ","), "en": (",", ".")}

MESSAGES: dict[str, dict[Language, str]] = {
    "site_tagline": {
        "fr": "Plateforme numérique de santé du territoire",
        "en": "Digital health platform of the territory",
    },
    "nav_label": {"fr": "Rubriques", "en": "Sections"},
    "nav_map": {"fr": "Territoire", "en": "Territory"},
    "nav_care_access": {"fr": "Accès aux soins", "en": "Access to care"},
    "nav_care_finder": {"fr": "Trouver un soin", "en": "Find care"},
    "nav_air": {"fr": "Qualité de l'air", "en": "Air quality"},
    "nav_alerts": {"fr": "Alertes", "en": "Alerts"},
    "skip_link": {"fr": "Aller au contenu", "en": "Skip to content"},
    "switch_language": {"fr": "English", "en": "Français"},
    "switch_language_title": {
        "fr": "Read this page in English",
        "en": "Lire cette page en français",
    },
    "search_label": {"fr": "Rechercher une commune", "en": "Search for a commune"},
    "search_placeholder": {"fr": "Nom de commune, ex. Nevers", "en": "Commune name, e.g. Nevers"},
    "search_button": {"fr": "Rechercher", "en": "Search"},
    "search_title": {"fr": "Recherche « {query} »", "en": "Search “{query}”"},
    "search_results": {"fr": "{count} résultat(s)", "en": "{count} result(s)"},
    "search_none": {
        "fr": "Aucune commune ne correspond à « {query} ».",
        "en": "No commune matches “{query}”.",
    },
    "search_invalid": {
        "fr": "Saisissez au moins une lettre du nom de la commune.",
        "en": "Type at least one letter of the commune's name.",
    },
    "home_title": {"fr": "Les communes du territoire", "en": "The communes of the territory"},
    "home_intro": {
        "fr": "Densité de population des communes de {focus} et des départements voisins. "
        "Survolez une commune pour lire sa population ; cliquez pour ouvrir sa fiche.",
        "en": "Population density of the communes of {focus} and the neighbouring "
        "départements. Hover over a commune to read its population; click to open its page.",
    },
    "no_data": {
        "fr": "Aucun territoire n'est encore chargé : lancez « healthycity init --demo ».",
        "en": "No territory is loaded yet: run “healthycity init --demo”.",
    },
    "keyboard_hint": {
        "fr": "Au clavier, utilisez la recherche pour ouvrir la fiche d'une commune.",
        "en": "With a keyboard, use the search box to open a commune's page.",
    },
    "map_label": {
        "fr": "Carte des communes selon la densité de population",
        "en": "Map of the communes by population density",
    },
    "map_loading": {"fr": "Chargement de la carte…", "en": "Loading the map…"},
    "map_failed": {"fr": "La carte n'a pas pu être chargée.", "en": "The map could not be loaded."},
    "legend_title": {
        "fr": "Densité de population (hab./km²)",
        "en": "Population density (inhabitants/km²)",
    },
    "legend_below": {"fr": "moins de {high}", "en": "under {high}"},
    "legend_between": {"fr": "de {low} à {high}", "en": "{low} to {high}"},
    "legend_above": {"fr": "{low} et plus", "en": "{low} and over"},
    "legend_no_data": {"fr": "non disponible", "en": "not available"},
    "legend_focus": {
        "fr": "Trait épais : {focus}, territoire mis en avant",
        "en": "Thick line: {focus}, the focus territory",
    },
    "legend_source": {
        "fr": "Populations légales INSEE, contours IGN simplifiés.",
        "en": "INSEE legal populations, simplified IGN boundaries.",
    },
    "population": {"fr": "Population", "en": "Population"},
    "inhabitants": {"fr": "{value} hab.", "en": "{value} inhabitants"},
    "area": {"fr": "Superficie", "en": "Area"},
    "area_value": {"fr": "{value} km²", "en": "{value} km²"},
    "density": {"fr": "Densité", "en": "Density"},
    "density_value": {"fr": "{value} hab./km²", "en": "{value} inhabitants/km²"},
    "unknown": {"fr": "inconnue", "en": "unknown"},
    "code": {"fr": "Code INSEE", "en": "INSEE code"},
    "code_epci": {"fr": "Numéro SIREN", "en": "SIREN number"},
    "level_commune": {"fr": "Commune", "en": "Commune"},
    "level_epci": {"fr": "Intercommunalité (EPCI)", "en": "Intercommunality (EPCI)"},
    "level_departement": {"fr": "Département", "en": "Département"},
    "level_region": {"fr": "Région", "en": "Region"},
    "children_commune": {"fr": "Communes ({count})", "en": "Communes ({count})"},
    "children_departement": {"fr": "Départements ({count})", "en": "Départements ({count})"},
    "ages_title": {
        "fr": "Population par tranche d'âge ({year})",
        "en": "Population by age band ({year})",
    },
    "ages_heading": {"fr": "Population par tranche d'âge", "en": "Population by age band"},
    "ages_band": {"fr": "Âge (ans)", "en": "Age (years)"},
    "ages_people": {"fr": "Habitants", "en": "Inhabitants"},
    "ages_estimated": {
        "fr": "Estimation : la structure par âge de la commune n'est pas publiée dans les "
        "données du territoire ; elle est estimée en répartissant la population légale de la "
        "commune selon la structure par âge de son département ({departement}).",
        "en": "Estimate: the commune's age structure is not published in the territory's "
        "data; it is estimated by spreading the commune's legal population over the age "
        "structure of its département ({departement}).",
    },
    "ages_source": {"fr": "Source : {source}", "en": "Source: {source}"},
    "ages_missing": {
        "fr": "La structure par âge n'est pas disponible pour ce territoire.",
        "en": "The age structure is not available for this territory.",
    },
    "territory_map_label": {"fr": "Carte de {name}", "en": "Map of {name}"},
    "no_geometry": {
        "fr": "Le contour de ce territoire n'est pas disponible.",
        "en": "The boundary of this territory is not available.",
    },
    "back_to_map": {"fr": "Retour à la carte", "en": "Back to the map"},
    "not_found_title": {"fr": "Page introuvable", "en": "Page not found"},
    "not_found_page": {
        "fr": "Il n'y a pas de page à l'adresse « {path} » : le lien est peut-être ancien "
        "ou mal recopié.",
        "en": "There is no page at “{path}”: the link may be old or mistyped.",
    },
    "not_found_territory": {
        "fr": "Nous ne trouvons pas de territoire « {level} » avec le code « {code} ».",
        "en": "We cannot find a “{level}” territory with code “{code}”.",
    },
    "footer_sources": {
        "fr": "Données : INSEE (code officiel géographique 2026, populations légales, "
        "estimations de population), DGCL (EPCI), IGN ADMIN EXPRESS (contours simplifiés). "
        "Licence Ouverte / Etalab.",
        "en": "Data: INSEE (official geographic code 2026, legal populations, population "
        "estimates), DGCL (EPCI), IGN ADMIN EXPRESS (simplified boundaries). "
        "Licence Ouverte / Etalab.",
    },
    "api_link": {"fr": "API ouverte", "en": "Open API"},
    # Air quality and quarantine pages (dashboard/environment_views.py).
    "air_title": {"fr": "Qualité de l'air", "en": "Air quality"},
    "air_intro": {
        "fr": "Indice ATMO du {date} dans les communes de {focus} : mesuré là où une station "
        "de référence se trouve dans la commune, sinon interpolé depuis les stations voisines "
        "(jusqu'à {km} km). Survolez une commune pour lire son indice ; cliquez pour afficher "
        "ses mesures.",
        "en": "ATMO index of {date} in the communes of {focus}: measured where a reference "
        "station stands in the commune, otherwise interpolated from the nearby stations (up to "
        "{km} km). Hover over a commune to read its index; click to show its measurements.",
    },
    "air_date_label": {"fr": "Jour", "en": "Day"},
    "air_date_submit": {"fr": "Afficher", "en": "Show"},
    "air_map_label": {
        "fr": "Carte des communes selon l'indice ATMO",
        "en": "Map of the communes by ATMO index",
    },
    "air_legend_title": {"fr": "Indice ATMO", "en": "ATMO index"},
    "air_legend_source": {
        "fr": "Arrêté du 10 juillet 2020, couleurs de la charte Atmo France. Seules les "
        "stations de référence entrent dans l'indice, pas les micro-capteurs.",
        "en": "Arrêté of 10 July 2020, colours of the Atmo France charter. Only reference "
        "stations feed the index, not micro-sensors.",
    },
    "air_method_measured": {"fr": "mesuré", "en": "measured"},
    "air_method_interpolated": {
        "fr": "interpolé (station la plus proche à {distance} km)",
        "en": "interpolated (nearest station {distance} km away)",
    },
    "air_method_mixed": {
        "fr": "en partie interpolé (jusqu'à {distance} km d'une station)",
        "en": "partly interpolated (up to {distance} km from a station)",
    },
    "air_method_unavailable": {
        "fr": "aucune station assez proche",
        "en": "no station close enough",
    },
    "air_dominant": {"fr": "Polluant dominant : {names}", "en": "Dominant pollutant: {names}"},
    "air_floor": {
        "fr": "Indice incomplet, au moins « {level} » ; manque : {names}",
        "en": "Incomplete index, at least “{level}”; missing: {names}",
    },
    "air_floor_legend": {
        "fr": "Teinte pâle : indice incomplet (un polluant n'est pas mesuré), coloré par le plus "
        "dégradé des sous-indices connus, que l'indice ne peut qu'égaler ou dépasser.",
        "en": "Pale shade: incomplete index (a pollutant is not measured), coloured by the worst "
        "known sub-index, which the index can only equal or exceed.",
    },
    "air_commune_chart": {"fr": "Mesures d'une commune", "en": "A commune's measurements"},
    "air_sensor_chart": {"fr": "Mesures d'un capteur", "en": "A sensor's measurements"},
    "air_commune": {"fr": "Commune", "en": "Commune"},
    "air_sensor": {"fr": "Capteur", "en": "Sensor"},
    "air_quantity": {"fr": "Grandeur", "en": "Quantity"},
    "air_no_sensor": {
        "fr": "Aucun capteur n'est enregistré sur ce territoire.",
        "en": "No sensor is registered in this territory.",
    },
    "air_kind_reference": {"fr": "station de référence", "en": "reference station"},
    "air_kind_low_cost": {"fr": "micro-capteur", "en": "micro-sensor"},
    # An active sensor past its maximum silence (environment/quality.py, stale-sensor check).
    "air_sensor_silent_since": {"fr": "muet depuis le {since}", "en": "silent since {since}"},
    "air_sensor_never_reported": {
        "fr": "muet : aucune mesure reçue",
        "en": "silent: no reading received",
    },
    "air_chart_empty": {"fr": "Aucune donnée sur la période.", "en": "No data in the period."},
    "air_chart_failed": {
        "fr": "Le graphique n'a pas pu être chargé : {detail}",
        "en": "The chart could not be loaded: {detail}",
    },
    "air_series_measured": {
        "fr": "{name} : mesuré par {stations} (moyennes horaires des valeurs validées)",
        "en": "{name}: measured by {stations} (hourly means of validated values)",
    },
    "air_series_interpolated": {
        "fr": "{name} : pas de station de référence dans la commune, valeurs interpolées",
        "en": "{name}: no reference station in the commune, interpolated values",
    },
    "air_series_unavailable": {
        "fr": "{name} : aucune station de référence assez proche",
        "en": "{name}: no reference station close enough",
    },
    "air_flagged_legend": {
        "fr": "Valeur signalée par le contrôle qualité (hors indice)",
        "en": "Value flagged by quality control (kept out of the index)",
    },
    "air_flag_OUT_OF_RANGE": {"fr": "hors plage physique", "en": "out of physical range"},
    "air_flag_SPIKE": {"fr": "pic isolé", "en": "isolated spike"},
    "air_flag_FLAT_LINE": {"fr": "valeur figée", "en": "flat line"},
    "air_flag_STALE": {"fr": "après un silence du capteur", "en": "after a sensor silence"},
    "air_flag_DUPLICATE_CONFLICT": {"fr": "doublon contradictoire", "en": "conflicting duplicate"},
    "air_quarantine_link": {
        "fr": "Lectures en quarantaine (opérateurs)",
        "en": "Quarantined readings (operators)",
    },
    "air_quarantine_title": {"fr": "Lectures en quarantaine", "en": "Quarantined readings"},
    "air_quarantine_intro": {
        "fr": "Les lectures refusées à l'ingestion (HTTP, NGSI-LD, MQTT), avec la raison, le "
        "champ et la valeur attendue. Réservé aux opérateurs.",
        "en": "Readings refused at ingestion (HTTP, NGSI-LD, MQTT), with the reason, the field "
        "and the value expected. For operators.",
    },
    "air_quarantine_load": {"fr": "Afficher la quarantaine", "en": "Show the quarantine"},
    "air_quarantine_none": {
        "fr": "Aucune lecture en quarantaine.",
        "en": "No quarantined reading.",
    },
    "air_quarantine_count": {
        "fr": "{count} lecture(s) en quarantaine, les plus récentes d'abord.",
        "en": "{count} quarantined reading(s), newest first.",
    },
    "air_quarantine_failed": {"fr": "Échec : {detail}", "en": "Failed: {detail}"},
    "air_sensors_link": {"fr": "Réseau de capteurs", "en": "Sensor network"},
    "air_download_csv": {
        "fr": "Télécharger ces mesures (CSV, avec les indicateurs de contrôle qualité)",
        "en": "Download these readings (CSV, with the quality-control flags)",
    },
    "air_sensors_title": {"fr": "Réseau de capteurs", "en": "Sensor network"},
    "air_sensors_intro": {
        "fr": "Les capteurs enregistrés sur le territoire : ce que chacun mesure, sa dernière "
        "mesure reçue, et ceux qui se sont tus (au-delà du silence admis pour la grandeur : "
        "contrôle « capteur muet »).",
        "en": "The sensors registered in the territory: what each measures, its last reading "
        "received, and those that went quiet (past the silence allowed for the quantity: the "
        "stale-sensor check).",
    },
    "air_sensors_counts": {
        "fr": "{total} capteur(s), dont {active} actif(s) ; {silent} muet(s).",
        "en": "{total} sensor(s), {active} active; {silent} silent.",
    },
    "air_sensors_show_silent": {
        "fr": "N'afficher que les capteurs muets",
        "en": "Show only the silent sensors",
    },
    "air_sensors_show_all": {"fr": "Afficher tous les capteurs", "en": "Show every sensor"},
    "air_sensors_none_silent": {
        "fr": "Aucun capteur actif n'est muet.",
        "en": "No active sensor is silent.",
    },
    "air_sensors_api": {
        "fr": "Les mêmes données par l'API (JSON)",
        "en": "The same data from the API (JSON)",
    },
    "air_col_kind": {"fr": "Type", "en": "Kind"},
    "air_col_operator": {"fr": "Exploitant", "en": "Operator"},
    "air_col_status": {"fr": "Statut", "en": "Status"},
    "air_col_quantities": {
        "fr": "Grandeurs mesurées (unité reçue)",
        "en": "Quantities (unit received)",
    },
    "air_col_latest": {"fr": "Dernière mesure", "en": "Latest reading"},
    "air_col_state": {"fr": "État", "en": "State"},
    "air_status_active": {"fr": "actif", "en": "active"},
    "air_status_inactive": {"fr": "inactif", "en": "inactive"},
    "air_status_retired": {"fr": "retiré", "en": "retired"},
    "air_state_reporting": {"fr": "transmet", "en": "reporting"},
    "air_state_off": {"fr": "hors service", "en": "out of service"},
    "air_state_silent": {"fr": "muet", "en": "silent"},
    "air_sensors_admin": {
        "fr": "Enregistrer un capteur ou changer son statut (administrateurs du territoire)",
        "en": "Register a sensor or change its status (territory administrators)",
    },
    "air_sensors_token_label": {
        "fr": "Jeton d'administrateur du territoire",
        "en": "Territory administrator token",
    },
    "air_sensors_token_hint": {
        "fr": "Gardé dans cet onglet seulement, envoyé dans l'en-tête Authorization.",
        "en": "Kept in this tab only, sent in the Authorization header.",
    },
    "air_sensors_add": {"fr": "Nouveau capteur", "en": "New sensor"},
    "air_sensors_field_id": {
        "fr": "Identifiant (celui que le capteur envoie)",
        "en": "Identifier (the one the sensor sends)",
    },
    "air_sensors_field_name": {"fr": "Nom", "en": "Name"},
    "air_sensors_field_lon": {"fr": "Longitude (WGS84)", "en": "Longitude (WGS84)"},
    "air_sensors_field_lat": {"fr": "Latitude (WGS84)", "en": "Latitude (WGS84)"},
    "air_sensors_field_commune": {
        "fr": "Code INSEE de la commune (sinon trouvée par la position)",
        "en": "INSEE code of the commune (otherwise found from the position)",
    },
    "air_sensors_unit_of": {"fr": "Unité envoyée : {name}", "en": "Unit sent: {name}"},
    "air_sensors_add_submit": {"fr": "Enregistrer le capteur", "en": "Register the sensor"},
    "air_sensors_change_status": {"fr": "Statut d'un capteur", "en": "A sensor's status"},
    "air_sensors_status_submit": {"fr": "Changer le statut", "en": "Change the status"},
    "air_sensors_token_missing": {
        "fr": "Collez d'abord un jeton d'administrateur du territoire.",
        "en": "Paste a territory administrator token first.",
    },
    "air_sensors_no_quantity": {
        "fr": "Cochez au moins une grandeur mesurée.",
        "en": "Tick at least one quantity measured.",
    },
    "air_sensors_saving": {"fr": "Enregistrement…", "en": "Saving…"},
    "air_sensors_failed": {"fr": "Refusé : {detail}", "en": "Refused: {detail}"},
    "air_sensors_id_taken": {
        "fr": "Un capteur porte déjà l'identifiant « {id} » : choisissez-en un autre.",
        "en": "A sensor already has the identifier “{id}”: choose another one.",
    },
    "air_sensors_map_label": {
        "fr": "Carte des capteurs du territoire, colorés selon leur état",
        "en": "Map of the territory's sensors, coloured by state",
    },
    # Why a reading was quarantined (docs/environment-ingestion.md explains each one).
    "air_reason_unknown_sensor": {"fr": "capteur non enregistré", "en": "sensor not registered"},
    "air_reason_out_of_scope": {
        "fr": "capteur hors du territoire du jeton",
        "en": "sensor outside the token's territory",
    },
    "air_reason_inactive_sensor": {
        "fr": "capteur inactif ou retiré",
        "en": "sensor inactive or retired",
    },
    "air_reason_quantity_not_measured": {
        "fr": "grandeur non enregistrée pour ce capteur",
        "en": "quantity not registered for this sensor",
    },
    "air_reason_unknown_quantity": {"fr": "grandeur inconnue", "en": "unknown quantity"},
    "air_reason_not_an_object": {
        "fr": "élément qui n'est pas un objet JSON",
        "en": "item that is not a JSON object",
    },
    "air_reason_missing_field": {"fr": "champ manquant", "en": "missing field"},
    "air_reason_bad_type": {"fr": "champ du mauvais type", "en": "field of the wrong type"},
    "air_reason_bad_json": {
        "fr": "message qui n'est pas du JSON",
        "en": "message that is not JSON",
    },
    "air_reason_bad_unit": {
        "fr": "unité non reconnue pour la grandeur",
        "en": "unit not accepted for the quantity",
    },
    "air_reason_bad_timestamp": {"fr": "date illisible", "en": "unreadable time"},
    "air_reason_naive_timestamp": {"fr": "date sans décalage UTC", "en": "time without UTC offset"},
    "air_reason_future_timestamp": {"fr": "date dans le futur", "en": "time in the future"},
    "air_reason_too_old": {"fr": "date trop ancienne", "en": "time too old"},
    "air_reason_not_finite": {"fr": "valeur non finie", "en": "value not finite"},
    "air_reason_out_of_range": {
        "fr": "valeur physiquement impossible",
        "en": "physically impossible value",
    },
    "air_reason_duplicate_conflict": {
        "fr": "autre valeur déjà enregistrée à cette heure",
        "en": "another value already stored for that time",
    },
    "air_reason_unsupported_type": {
        "fr": "type d'entité NGSI-LD non pris en charge",
        "en": "NGSI-LD entity type not supported",
    },
    "air_reason_no_measurement": {
        "fr": "entité sans mesure conservée",
        "en": "entity without a measurement kept",
    },
    "air_reason_topic_mismatch": {
        "fr": "capteur différent de celui du topic MQTT",
        "en": "sensor other than the MQTT topic's",
    },
    "air_reason_payload_too_large": {"fr": "message trop volumineux", "en": "message too large"},
    "air_reason_internal_error": {
        "fr": "erreur interne (journalisée)",
        "en": "internal error (logged)",
    },
    "air_col_received": {"fr": "Reçue le", "en": "Received"},
    "air_col_door": {"fr": "Entrée", "en": "Door"},
    "air_col_reason": {"fr": "Raison", "en": "Reason"},
    "air_col_field": {"fr": "Champ", "en": "Field"},
    "air_col_value": {"fr": "Valeur", "en": "Value"},
    "air_col_expected": {"fr": "Attendu", "en": "Expected"},
    # Pollen index published by Atmo France, on the air-quality page.
    "pollen_title": {"fr": "Indice pollen du {date}", "en": "Pollen index of {date}"},
    "pollen_intro": {
        "fr": "Niveaux publiés par Atmo France et les AASQA pour chaque commune, relayés tels "
        "quels (ni recalculés ni interpolés).",
        "en": "Levels published by Atmo France and the AASQA for each commune, relayed as they "
        "are (neither recomputed nor interpolated).",
    },
    "pollen_none": {
        "fr": "Aucun indice pollen publié n'a été importé pour ce jour dans ces communes "
        "(healthycity environment import-pollen-index).",
        "en": "No published pollen index was imported for this day in these communes "
        "(healthycity environment import-pollen-index).",
    },
    "pollen_overall": {"fr": "Indice", "en": "Index"},
    "pollen_source": {
        "fr": "Source : {source}. Publié par {publishers}, mis à jour le {updated}.",
        "en": "Source: {source}. Published by {publishers}, updated {updated}.",
    },
    # Health alerts: the operators' pages (dashboard/alerts_views.py).
    "alerts_title": {"fr": "Alertes sanitaires", "en": "Health alerts"},
    "alerts_intro": {
        "fr": "Les alertes en cours et passées du territoire, au format CAP 1.2. Les "
        "opérateurs émettent, mettent à jour et lèvent les alertes avec leur jeton d'API.",
        "en": "The territory's current and past alerts, as CAP 1.2 messages. Operators "
        "issue, update and cancel alerts with their API token.",
    },
    "alerts_one": {"fr": "Alerte", "en": "Alert"},
    "alerts_new": {"fr": "nouvelle", "en": "new"},
    "alerts_current": {"fr": "Alertes en cours ({count})", "en": "Alerts in force ({count})"},
    "alerts_none_current": {"fr": "Aucune alerte en cours.", "en": "No alert in force."},
    "alerts_none": {"fr": "Aucun message d'alerte.", "en": "No alert message."},
    "alerts_history": {
        "fr": "Derniers messages ({count} au total)",
        "en": "Latest messages ({count} in all)",
    },
    "alerts_feed": {"fr": "Flux Atom des alertes en cours", "en": "Atom feed of current alerts"},
    "alerts_feed_of": {
        "fr": "Alertes sanitaires en cours – {name} (flux Atom)",
        "en": "Current health alerts – {name} (Atom feed)",
    },
    "alerts_map_label": {
        "fr": "Carte des communes sous une alerte en cours",
        "en": "Map of the communes under an alert in force",
    },
    "alerts_map_failed": {
        "fr": "La carte des alertes n'a pas pu être chargée.",
        "en": "The alert map could not be loaded.",
    },
    "alerts_col_id": {"fr": "N°", "en": "No."},
    "alerts_col_type": {"fr": "Type", "en": "Type"},
    "alerts_col_status": {"fr": "Statut", "en": "Status"},
    "alerts_col_severity": {"fr": "Gravité", "en": "Severity"},
    "alerts_col_event": {"fr": "Événement", "en": "Event"},
    "alerts_col_headline": {"fr": "Titre", "en": "Headline"},
    "alerts_col_areas": {"fr": "Zones", "en": "Areas"},
    "alerts_col_sent": {"fr": "Émis le", "en": "Sent"},
    "alerts_type_Alert": {"fr": "Alerte", "en": "Alert"},
    "alerts_type_Update": {"fr": "Mise à jour", "en": "Update"},
    "alerts_type_Cancel": {"fr": "Fin d'alerte", "en": "All clear"},
    "alerts_status_Actual": {"fr": "Réelle", "en": "Actual"},
    "alerts_status_Exercise": {"fr": "Exercice", "en": "Exercise"},
    "alerts_status_Test": {"fr": "Test", "en": "Test"},
    "alerts_status_System": {"fr": "Système", "en": "System"},
    "alerts_status_Draft": {"fr": "Brouillon", "en": "Draft"},
    "alerts_severity_Extreme": {"fr": "Extrême", "en": "Extreme"},
    "alerts_severity_Severe": {"fr": "Grave", "en": "Severe"},
    "alerts_severity_Moderate": {"fr": "Modérée", "en": "Moderate"},
    "alerts_severity_Minor": {"fr": "Mineure", "en": "Minor"},
    "alerts_severity_Unknown": {"fr": "Inconnue", "en": "Unknown"},
    "alerts_urgency_Immediate": {"fr": "Immédiate", "en": "Immediate"},
    "alerts_urgency_Expected": {"fr": "Dans l'heure", "en": "Expected"},
    "alerts_urgency_Future": {"fr": "Plus tard", "en": "Future"},
    "alerts_urgency_Past": {"fr": "Passée", "en": "Past"},
    "alerts_urgency_Unknown": {"fr": "Inconnue", "en": "Unknown"},
    "alerts_certainty_Observed": {"fr": "Observé", "en": "Observed"},
    "alerts_certainty_Likely": {"fr": "Probable", "en": "Likely"},
    "alerts_certainty_Possible": {"fr": "Possible", "en": "Possible"},
    "alerts_certainty_Unlikely": {"fr": "Peu probable", "en": "Unlikely"},
    "alerts_certainty_Unknown": {"fr": "Inconnue", "en": "Unknown"},
    "alerts_issue_title": {"fr": "Émettre une alerte", "en": "Issue an alert"},
    "alerts_noscript": {
        "fr": "Émettre, mettre à jour ou lever une alerte depuis cette page demande JavaScript ; "
        "sinon, utilisez l'API (POST /api/v1/alerts).",
        "en": "Issuing, updating or cancelling an alert from this page needs JavaScript; "
        "otherwise use the API (POST /api/v1/alerts).",
    },
    "alerts_token_label": {"fr": "Jeton d'opérateur", "en": "Operator token"},
    "alerts_token_hint": {
        "fr": "Collez un jeton d'API de rôle operator. Il reste dans cet onglet et n'est "
        "envoyé qu'à l'API, dans l'en-tête Authorization.",
        "en": "Paste an API token with the operator role. It stays in this tab and is only "
        "sent to the API, in the Authorization header.",
    },
    "alerts_token_missing": {
        "fr": "Collez d'abord votre jeton d'opérateur.",
        "en": "Paste your operator token first.",
    },
    "alerts_choose": {"fr": "— choisir —", "en": "— choose —"},
    "alerts_field_status": {"fr": "Statut", "en": "Status"},
    "alerts_field_event": {"fr": "Événement", "en": "Event"},
    "alerts_field_hazard": {"fr": "Risque", "en": "Hazard"},
    "alerts_field_level": {"fr": "Niveau (facultatif)", "en": "Level (optional)"},
    "alerts_field_urgency": {"fr": "Urgence", "en": "Urgency"},
    "alerts_field_severity": {"fr": "Gravité", "en": "Severity"},
    "alerts_field_certainty": {"fr": "Certitude", "en": "Certainty"},
    "alerts_field_headline": {"fr": "Titre", "en": "Headline"},
    "alerts_field_description": {"fr": "Description", "en": "Description"},
    "alerts_field_instruction": {"fr": "Consignes", "en": "Instructions"},
    "alerts_field_areas": {"fr": "Zones", "en": "Areas"},
    "alerts_areas_hint": {
        "fr": "Territoires niveau/code séparés par des virgules, ex. commune/58194, "
        "epci/245804406, departement/58.",
        "en": "Territories as level/code separated by commas, e.g. commune/58194, "
        "epci/245804406, departement/58.",
    },
    "alerts_areas_missing": {
        "fr": "Indiquez au moins une zone.",
        "en": "Give at least one area.",
    },
    "alerts_field_expires": {"fr": "Expire le (facultatif)", "en": "Expires (optional)"},
    "alerts_field_note": {"fr": "Motif de la fin d'alerte", "en": "Why the alert ends"},
    "alerts_english": {"fr": "Version anglaise (facultative)", "en": "English version (optional)"},
    "alerts_english_hint": {
        "fr": "Sans traduction, le bloc anglais du message CAP le signale et reprend le texte "
        "français.",
        "en": "Without a translation, the English block of the CAP message says so and "
        "carries the French text.",
    },
    "alerts_review": {"fr": "Vérifier avant de publier", "en": "Review before publishing"},
    "alerts_confirm_title": {
        "fr": "Vérifiez l'alerte avant de la publier",
        "en": "Check the alert before publishing it",
    },
    "alerts_confirm_update": {
        "fr": "Vérifiez la mise à jour avant de la publier",
        "en": "Check the update before publishing it",
    },
    "alerts_confirm_cancel": {
        "fr": "Confirmez la fin de l'alerte",
        "en": "Confirm that the alert ends",
    },
    "alerts_confirm": {"fr": "Confirmer et publier", "en": "Confirm and publish"},
    "alerts_edit": {"fr": "Modifier", "en": "Edit"},
    "alerts_sending": {"fr": "Publication en cours…", "en": "Publishing…"},
    "alerts_published": {"fr": "Message n° {id} publié.", "en": "Message no. {id} published."},
    "alerts_failed": {"fr": "Échec : {detail}", "en": "Failed: {detail}"},
    "alerts_back": {"fr": "Retour aux alertes", "en": "Back to the alerts"},
    "alerts_communes": {"fr": "{count} commune(s)", "en": "{count} commune(s)"},
    "alerts_source": {"fr": "Origine", "en": "Origin"},
    "alerts_source_manual": {"fr": "émise par un opérateur", "en": "issued by an operator"},
    "alerts_source_rule": {"fr": "règle automatique", "en": "automatic rule"},
    "alerts_source_imported": {"fr": "relayée (import CAP)", "en": "relayed (CAP import)"},
    "alerts_cap_link": {"fr": "Message CAP (XML)", "en": "CAP message (XML)"},
    "alerts_chain": {"fr": "Messages de cet épisode", "en": "Messages of this episode"},
    "alerts_delivery": {"fr": "Diffusion", "en": "Delivery"},
    "alerts_delivery_hint": {
        "fr": "Notifications par canal et par état. Seuls les messages « Réelle » sont "
        "diffusés aux abonnés ; les exercices et tests ne le sont pas.",
        "en": "Notifications by channel and state. Only Actual messages reach subscribers; "
        "exercises and tests do not.",
    },
    "alerts_update_title": {"fr": "Mettre à jour l'alerte", "en": "Update the alert"},
    "alerts_cancel_title": {
        "fr": "Lever l'alerte (fin d'alerte)",
        "en": "End the alert (all clear)",
    },
    "alerts_closed": {
        "fr": "Cet épisode est clos ou relayé d'un autre émetteur : il ne peut plus être "
        "modifié ici.",
        "en": "This episode is over or relayed from another sender: it cannot be changed here.",
    },
    **CARE_MESSAGES,  # the access-to-care pages (dashboard/care_messages.py)
}


def parse_accept_language(header: str) -> list[str]:
    """Primary language tags of an ``Accept-Language`` header, most wanted first (RFC 9110).

    >>> parse_accept_language("en-GB,en;q=0.9,fr;q=0.8")
    ['en', 'en', 'fr']
    >>> parse_accept_language("de;q=0.5, fr-CA;q=0.7, *;q=0.1, it;q=0")
    ['fr', 'de', '*']
    """
    weighted = []
    for position, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0  # a malformed weight is as good as absent
        if tag and quality > 0:
            weighted.append((-quality, position, tag.split("-")[0].lower()))
    return [tag for *_, tag in sorted(weighted)]


def negotiate_language(
    *, query: str | None, cookie: str | None, accept_language: str | None
) -> Language:
    """The page language: ``?lang=``, else the cookie, else the browser's wish, else French.

    >>> negotiate_language(query=None, cookie=None, accept_language="en-US,en;q=0.9")
    'en'
    >>> negotiate_language(query="fr", cookie="en", accept_language="en")
    'fr'
    >>> negotiate_language(query="xx", cookie=None, accept_language="de")
    'fr'
    """
    for wish in (query, cookie):
        if wish in LANGUAGES:
            return wish
    for tag in parse_accept_language(accept_language or ""):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def format_number(value: float, language: Language, *, digits: int = 0) -> str:
    """Write ``value`` with the thousands and decimal separators of ``language``.

    >>> format_number(33085, "fr")
    '33\u202f085'
    >>> format_number(1912.345, "en", digits=1)
    '1,912.3'
    >>> format_number(-0.5, "fr", digits=2)
    '-0,50'
    """
    thousands, decimal = _SEPARATORS[language]
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


@dataclass(frozen=True)
class Translator:
    """The messages and number format of one language, as templates call them."""

    language: Language

    def __call__(self, key: str, **values: object) -> str:
        """The message ``key`` in this language, with ``values`` filled in."""
        return MESSAGES[key][self.language].format(**values)

    def number(self, value: float, *, digits: int = 0) -> str:
        """``value`` written the way readers of this language expect."""
        return format_number(value, self.language, digits=digits)

    @property
    def separators(self) -> tuple[str, str]:
        """The thousands and decimal separators, for the scripts of the page."""
        return _SEPARATORS[self.language]

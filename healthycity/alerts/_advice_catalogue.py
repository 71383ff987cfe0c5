"""The advice items: French text close to its source, English translation, the source.

Where an official message was only reachable through a public report of it (press, a
public site relaying it), the Source names both and is flagged ``is_secondary``; replace
it with the primary document when it is at hand. Primary texts were last searched for in
2026 (Météo-France's vigilance advice, the ARS notices on drinking water and the
ministry's heat recommendations were not found). "date" is the date of the text.
"""

from healthycity.alerts.advice import (
    EVERYONE,
    NOT_VULNERABLE,
    VULNERABLE,
    AdviceItem,
    Audience,
    Pollutant,
    Source,
)
from healthycity.alerts.levels import (
    AtmoLevel,
    Hazard,
    HazardLevel,
    HeatVigilance,
    PollenRisk,
    WaterRestriction,
)

AIR_MESSAGES = Source(
    title=(
        "Arrêté du 20 août 2014 relatif aux recommandations sanitaires en vue de prévenir "
        "les effets de la pollution de l'air sur la santé, annexe (messages sanitaires), "
        "modifiée par l'arrêté du 13 mars 2018 (NOR SSAP1807710A), after the HCSP avis "
        "of 15 November 2013"
    ),
    publisher="Ministère chargé de la santé (Journal officiel)",
    date="2018-03-23",
    url="https://www.legifrance.gouv.fr/loda/id/JORFTEXT000029413664/",
)
POLLEN_GESTURES = Source(
    title="Les bons gestes pour réduire les allergies au pollen",
    publisher="Gouvernement (gouvernement.fr)",
    date="2022-05-31",
    url="https://www.gouvernement.fr/actualite/les-bons-gestes-pour-reduire-les-allergies-au-pollen",
)
RECOSANTE_POLLEN = Source(
    title=(
        "Recosanté, catalogue des recommandations, risque d'allergie aux pollens "
        "(listed at RAEP 1–3; they hold a fortiori at 4–5)"
    ),
    publisher=(
        "Ministères chargés de la santé et de l'environnement; validated by Santé publique France"
    ),
    date="undated",
    url="https://recosante.beta.gouv.fr/recommandations/?selected=pollens",
)
HEAT_SPF = Source(
    title="Épisode de fortes chaleurs : les précautions à prendre",
    publisher="Santé publique France",
    date="2020-08",
    url="https://www.santepubliquefrance.fr/les-actualites/2020/episode-de-fortes-chaleurs-les-precautions-a-prendre",
)
HEAT_MINISTRY = Source(
    title=(
        "Canicule, fortes chaleurs : adoptez les bons réflexes (recommendations of the "
        "ministère des Solidarités et de la Santé, « au quotidien » and « si vous travaillez »)"
    ),
    publisher="Ministère chargé de la santé (via Mon Parcours Handicap, public service site)",
    date="undated (mentions Covid-19: 2020–2021)",
    url="https://www.monparcourshandicap.gouv.fr/actualite/canicule-fortes-chaleurs-adoptez-les-bons-reflexes",
    is_secondary=True,
)
HEAT_ARS = Source(
    title="Plan canicule et chaleurs extrêmes : les recommandations en cas de vague de chaleur",
    publisher="ARS Nouvelle-Aquitaine",
    date="undated (shows a 2021 Santé publique France video)",
    url="https://www.nouvelle-aquitaine.ars.sante.fr/plan-canicule-et-chaleurs-extremes-0",
)
LABOUR_CODE_WATER = Source(
    title="Code du travail, article R. 4534-143 (eau sur les chantiers)",
    publisher="Légifrance",
    date="2008-05-01",
    url="https://www.legifrance.gouv.fr/codes/texte_lc/LEGITEXT000006072050/",
)
HEAT_ORANGE = Source(
    title="Vigilance orange canicule: Météo-France behaviour advice, as reported by France Bleu",
    publisher="Météo-France (via France Bleu)",
    date="2017-06",
    url="https://www.francebleu.fr/infos/climat-environnement/la-vendee-placee-en-vigilance-orange-canicule-1497797840",
    is_secondary=True,
)
HEAT_RED = Source(
    title=(
        "Vigilance rouge canicule : les bons comportements à adopter (Météo-France), as "
        "reported by RMC"
    ),
    publisher="Météo-France (via RMC)",
    date="2023-08-21",
    url="https://rmc.bfmtv.com/actualites/sciences-nature/meteo/canicule-qu-est-ce-qu-implique-une-vigilance-rouge_AP-202308210496.html",
    is_secondary=True,
)
HEAT_CHILD_CAR = Source(
    title="Chaleur : quels réflexes adopter en voiture avec des enfants ?",
    publisher="Ministère de l'Intérieur",
    date="2021-08-24",
    url="https://mobile.interieur.gouv.fr/Archives/Archives-des-infos-pratiques/2022-Infos-pratiques/Chaleur-quels-reflexes-adopter-en-voiture-avec-des-enfants",
)
WATER_NITRATES = Source(
    title=(
        "Nitrates above the 50 mg/L quality limit at Andé, Connelles and Herqueville: "
        "water not to be consumed by pregnant women and infants (ARS Normandie press "
        "release; the limit is that of the arrêté du 11 janvier 2007, annexe I)"
    ),
    publisher="ARS Normandie (via Info Normandie)",
    date="2024-07-25",
    url="https://www.infonormandie.com/Dans-trois-communes-de-l-Eure-l-eau-du-robinet-impropre-a-la-consommation-pour-les-femmes-enceintes-et-nourrissons_a39171.html",
    is_secondary=True,
)
WATER_BOIL = Source(
    title=(
        "Cryptosporidium in the Alpes-Maritimes water network: precautions while the tap "
        "water is unfit to drink, as reported by TF1 Info"
    ),
    publisher="Health authorities (via TF1 Info)",
    date="2023-06",
    url="https://www.tf1info.fr/sante/alpes-maritimes-cryptosporidiose-maladie-infection-quand-l-eau-du-robinet-est-impropre-a-la-consommation-2259761.html",
    is_secondary=True,
)

# Air quality. An ATMO class is not a prefectoral procedure (the index is a communication
# tool, arrêté du 10 juillet 2020), but it is the closest national scale: *mauvais* gets
# the messages of the information threshold (annexe a), *très mauvais* and *extrêmement
# mauvais* those of the alert threshold (annexe b); levels.py gives the thresholds that
# justify it. The annex names PM10, NO2 and SO2; PM2.5 gets the same particle messages.
_INFO = frozenset({AtmoLevel.MAUVAIS})
_ALERT = frozenset({AtmoLevel.TRES_MAUVAIS, AtmoLevel.EXTREMEMENT_MAUVAIS})
_OZONE: frozenset[Pollutant] = frozenset({"o3"})
_NOT_OZONE: frozenset[Pollutant] = frozenset({"pm10", "pm25", "no2", "so2"})
_POLLEN = frozenset({PollenRisk.ELEVE, PollenRisk.TRES_ELEVE, PollenRisk.EXTREMEMENT_ELEVE})
_HEAT = frozenset({HeatVigilance.JAUNE, HeatVigilance.ORANGE, HeatVigilance.ROUGE})
_ORANGE_RED = frozenset({HeatVigilance.ORANGE, HeatVigilance.ROUGE})
_RED = frozenset({HeatVigilance.ROUGE})
_SENSITIVE = frozenset({WaterRestriction.SENSITIVE_GROUPS})
_BOIL = frozenset({WaterRestriction.BOIL_BEFORE_USE})
_INFANTS_AND_PREGNANT = frozenset({Audience.PREGNANT, Audience.YOUNG_CHILDREN})


def _item(
    key: str,
    levels: frozenset[HazardLevel],
    audiences: frozenset[Audience],
    *,
    fr: str,
    en: str,
    source: Source,
    pollutants: frozenset[Pollutant] | None = None,
) -> AdviceItem:
    # The key's first word names the hazard.
    hazard = {
        "air": Hazard.AIR_QUALITY,
        "pollen": Hazard.POLLEN,
        "heat": Hazard.HEAT,
        "water": Hazard.DRINKING_WATER,
    }[key.split("-")[0]]
    return AdviceItem(key, hazard, levels, audiences, fr, en, source, pollutants)


AIR_ITEMS = (
    _item(
        "air-info-traffic",
        _INFO,
        VULNERABLE,
        fr="Limitez les déplacements sur les grands axes routiers et à leurs abords, aux "
        "périodes de pointe.",
        en="Limit trips on and near major roads at rush hours.",
        source=AIR_MESSAGES,
        pollutants=_NOT_OZONE,
    ),
    _item(
        "air-info-effort",
        _INFO,
        VULNERABLE,
        fr="Limitez les activités physiques et sportives intenses (dont les compétitions), "
        "autant en plein air qu'à l'intérieur.",
        en="Limit intense physical and sporting activities (competitions included), outdoors "
        "as well as indoors.",
        source=AIR_MESSAGES,
        pollutants=_NOT_OZONE,
    ),
    _item(
        "air-info-ozone-afternoon",
        _INFO,
        VULNERABLE,
        fr="Limitez les sorties durant l'après-midi.",
        en="Limit going out in the afternoon.",
        source=AIR_MESSAGES,
        pollutants=_OZONE,
    ),
    _item(
        "air-info-ozone-effort",
        _INFO,
        VULNERABLE,
        fr="Limitez les activités physiques et sportives intenses (dont les compétitions) en "
        "plein air ; celles à l'intérieur peuvent être maintenues.",
        en="Limit intense physical and sporting activities (competitions included) outdoors; "
        "indoor ones can go on.",
        source=AIR_MESSAGES,
        pollutants=_OZONE,
    ),
    _item(
        "air-info-symptoms",
        _INFO,
        VULNERABLE,
        fr="En cas de symptômes ou d'inquiétude, prenez conseil auprès de votre pharmacien ou "
        "consultez votre médecin.",
        en="If you have symptoms or are worried, ask your pharmacist or see your doctor.",
        source=AIR_MESSAGES,
    ),
    _item(
        "air-info-general",
        _INFO,
        NOT_VULNERABLE,
        fr="Il n'est pas nécessaire de modifier vos activités habituelles.",
        en="There is no need to change your usual activities.",
        source=AIR_MESSAGES,
    ),
    _item(
        "air-alert-traffic",
        _ALERT,
        VULNERABLE,
        fr="Évitez les déplacements sur les grands axes routiers et à leurs abords, aux "
        "périodes de pointe.",
        en="Avoid trips on and near major roads at rush hours.",
        source=AIR_MESSAGES,
        pollutants=_NOT_OZONE,
    ),
    _item(
        "air-alert-effort",
        _ALERT,
        VULNERABLE,
        fr="Évitez les activités physiques et sportives intenses (dont les compétitions), "
        "autant en plein air qu'à l'intérieur. Reportez les activités qui demandent le plus "
        "d'effort.",
        en="Avoid intense physical and sporting activities (competitions included), outdoors "
        "as well as indoors. Postpone the most strenuous activities.",
        source=AIR_MESSAGES,
        pollutants=_NOT_OZONE,
    ),
    _item(
        "air-alert-ozone-afternoon",
        _ALERT,
        VULNERABLE,
        fr="Évitez les sorties durant l'après-midi.",
        en="Avoid going out in the afternoon.",
        source=AIR_MESSAGES,
        pollutants=_OZONE,
    ),
    _item(
        "air-alert-ozone-effort",
        _ALERT,
        VULNERABLE,
        fr="Évitez les activités physiques et sportives intenses (dont les compétitions) en "
        "plein air ; celles peu intenses à l'intérieur peuvent être maintenues.",
        en="Avoid intense physical and sporting activities (competitions included) outdoors; "
        "light indoor ones can go on.",
        source=AIR_MESSAGES,
        pollutants=_OZONE,
    ),
    _item(
        "air-alert-discomfort",
        _ALERT,
        VULNERABLE,
        fr="En cas de gêne respiratoire ou cardiaque (essoufflement, sifflements, "
        "palpitations) : prenez conseil auprès de votre pharmacien ou consultez votre "
        "médecin, privilégiez des sorties plus brèves et celles qui demandent le moins "
        "d'effort, et demandez à votre médecin si votre traitement doit être adapté.",
        en="If you have breathing or heart trouble (shortness of breath, wheezing, "
        "palpitations): ask your pharmacist or see your doctor, keep outings short and "
        "undemanding, and ask your doctor whether your treatment should be adjusted.",
        source=AIR_MESSAGES,
    ),
    _item(
        "air-alert-general-effort",
        _ALERT,
        NOT_VULNERABLE,
        fr="Réduisez les activités physiques et sportives intenses (dont les compétitions).",
        en="Cut down on intense physical and sporting activities (competitions included).",
        source=AIR_MESSAGES,
    ),
    _item(
        "air-alert-general-ozone-indoor",
        _ALERT,
        NOT_VULNERABLE,
        fr="Les activités physiques et sportives intenses (dont les compétitions) à "
        "l'intérieur peuvent être maintenues.",
        en="Intense physical and sporting activities (competitions included) can go on indoors.",
        source=AIR_MESSAGES,
        pollutants=_OZONE,
    ),
    _item(
        "air-alert-general-discomfort",
        _ALERT,
        NOT_VULNERABLE,
        fr="En cas de gêne respiratoire ou cardiaque (essoufflement, sifflements, "
        "palpitations), prenez conseil auprès de votre pharmacien ou consultez votre médecin.",
        en="If you have breathing or heart trouble (shortness of breath, wheezing, "
        "palpitations), ask your pharmacist or see your doctor.",
        source=AIR_MESSAGES,
    ),
)

# Pollen: for allergic and asthmatic people (the RESPIRATORY audience) from Atmo France
# « élevé » (a pollen peak) upwards.
POLLEN_ITEMS = (
    _item(
        "pollen-hair",
        _POLLEN,
        frozenset({Audience.RESPIRATORY}),
        fr="Rincez-vous les cheveux le soir : le pollen s'y dépose en grand nombre.",
        en="Rinse your hair in the evening: pollen settles on it in large numbers.",
        source=POLLEN_GESTURES,
    ),
    _item(
        "pollen-windows",
        _POLLEN,
        frozenset({Audience.RESPIRATORY}),
        fr="Aérez votre logement avant le lever et après le coucher du soleil : l'émission "
        "des pollens dans l'air débute dès le lever du soleil.",
        en="Air your home before sunrise and after sunset: plants start releasing pollen at "
        "sunrise.",
        source=POLLEN_GESTURES,
    ),
    _item(
        "pollen-irritants",
        _POLLEN,
        frozenset({Audience.RESPIRATORY}),
        fr="Évitez les autres substances irritantes ou allergisantes dans l'air intérieur "
        "(tabac, produits d'entretien, parfums d'intérieur, encens…).",
        en="Avoid other irritating or allergenic substances indoors (tobacco smoke, cleaning "
        "products, room fragrances, incense…).",
        source=POLLEN_GESTURES,
    ),
    _item(
        "pollen-outdoor",
        _POLLEN,
        frozenset({Audience.RESPIRATORY}),
        fr="Évitez les activités extérieures qui vous surexposent aux pollens (tonte du gazon, "
        "entretien du jardin, activités sportives…) ; si nécessaire, préférez la fin de "
        "journée et portez des lunettes de protection et un masque.",
        en="Avoid outdoor activities that overexpose you to pollen (mowing, gardening, "
        "sport…); if you must, prefer the end of the day and wear protective glasses and a "
        "mask.",
        source=POLLEN_GESTURES,
    ),
    _item(
        "pollen-laundry",
        _POLLEN,
        frozenset({Audience.RESPIRATORY}),
        fr="Ne faites pas sécher le linge à l'extérieur : le pollen se dépose sur le linge humide.",
        en="Do not dry laundry outdoors: pollen settles on damp laundry.",
        source=POLLEN_GESTURES,
    ),
    _item(
        "pollen-car",
        _POLLEN,
        frozenset({Audience.RESPIRATORY}),
        fr="En voiture, gardez les vitres fermées.",
        en="In the car, keep the windows closed.",
        source=POLLEN_GESTURES,
    ),
    _item(
        "pollen-treatment",
        _POLLEN,
        frozenset({Audience.RESPIRATORY}),
        fr="En cas d'allergie diagnostiquée, pensez à prendre le traitement prescrit par "
        "votre médecin.",
        en="If you have a diagnosed allergy, remember to take the treatment your doctor "
        "prescribed.",
        source=RECOSANTE_POLLEN,
    ),
    _item(
        "pollen-recognise",
        _POLLEN,
        EVERYONE,
        fr="Une gêne répétée à la même saison (éternuements, nez bouché ou qui coule, yeux "
        "rouges qui larmoient) et une fatigue inhabituelle peuvent signaler une allergie aux "
        "pollens : prenez conseil auprès d'un professionnel de santé.",
        en="Symptoms that come back every season (sneezing, blocked or runny nose, red watery "
        "eyes) with unusual tiredness may be a pollen allergy: ask a health professional.",
        source=RECOSANTE_POLLEN,
    ),
)

HEAT_ITEMS = (
    _item(
        "heat-drink",
        _HEAT,
        EVERYONE,
        fr="Buvez régulièrement de l'eau sans attendre d'avoir soif.",
        en="Drink water regularly without waiting until you are thirsty.",
        source=HEAT_SPF,
    ),
    _item(
        "heat-wet-body",
        _HEAT,
        EVERYONE,
        fr="Rafraîchissez-vous et mouillez-vous le corps (au moins le visage et les "
        "avant-bras) plusieurs fois par jour.",
        en="Cool down and wet your body (at least your face and forearms) several times a day.",
        source=HEAT_SPF,
    ),
    _item(
        "heat-cool-home",
        _HEAT,
        EVERYONE,
        fr="Maintenez votre logement frais : fermez fenêtres et volets la journée, "
        "ouvrez-les le soir et la nuit s'il fait plus frais.",
        en="Keep your home cool: close windows and shutters during the day, open them in the "
        "evening and at night if it is cooler outside.",
        source=HEAT_SPF,
    ),
    _item(
        "heat-food-alcohol",
        _HEAT,
        EVERYONE,
        fr="Mangez en quantité suffisante et ne buvez pas d'alcool.",
        en="Eat enough and do not drink alcohol.",
        source=HEAT_SPF,
    ),
    _item(
        "heat-cool-hours",
        _HEAT,
        EVERYONE,
        fr="Privilégiez les heures les plus fraîches pour sortir.",
        en="Go out during the coolest hours.",
        source=HEAT_SPF,
    ),
    _item(
        "heat-effort",
        _HEAT,
        EVERYONE,
        fr="Évitez les efforts physiques.",
        en="Avoid physical exertion.",
        source=HEAT_ARS,
    ),
    _item(
        "heat-medication",
        _HEAT,
        EVERYONE,
        fr="Si vous prenez un traitement, vérifiez-le avec votre médecin : certains "
        "médicaments peuvent aggraver l'effet de la chaleur.",
        en="If you take medication, check it with your doctor: some medicines can make the "
        "effects of heat worse.",
        source=HEAT_MINISTRY,
    ),
    _item(
        "heat-call-15",
        _HEAT,
        EVERYONE,
        fr="Si vous vous sentez mal, signalez-le rapidement : appelez le 15.",
        en="If you feel unwell, say so quickly: call 15 (SAMU).",
        source=HEAT_MINISTRY,
    ),
    _item(
        "heat-keep-in-touch",
        _HEAT,
        EVERYONE,
        fr="Pensez à donner régulièrement de vos nouvelles à vos proches et, dès que "
        "nécessaire, osez demander de l'aide.",
        en="Remember to give your relatives news of you regularly and, whenever you need it, "
        "do ask for help.",
        source=HEAT_ARS,
    ),
    _item(
        "heat-child-car",
        _HEAT,
        frozenset({Audience.YOUNG_CHILDREN}),
        fr="Ne laissez jamais un enfant seul dans une voiture, même quelques minutes.",
        en="Never leave a child alone in a car, even for a few minutes.",
        source=HEAT_CHILD_CAR,
    ),
    _item(
        "heat-work-clothes",
        _HEAT,
        frozenset({Audience.OUTDOOR_WORKERS}),
        fr="Au travail, buvez régulièrement et portez des vêtements légers, amples, de couleur "
        "claire si vous travaillez dehors, qui laissent la sueur s'évaporer (coton…).",
        en="At work, drink regularly and wear light, loose clothing that lets sweat evaporate "
        "(cotton…), light-coloured if you work outdoors.",
        source=HEAT_MINISTRY,
    ),
    _item(
        "heat-work-equipment",
        _HEAT,
        frozenset({Audience.OUTDOOR_WORKERS}),
        fr="Signalez à votre employeur si vos vêtements ou équipements de protection "
        "individuelle sont une source de gêne supplémentaire.",
        en="Tell your employer if your clothing or personal protective equipment makes the "
        "heat harder to bear.",
        source=HEAT_MINISTRY,
    ),
    _item(
        "heat-work-water",
        _HEAT,
        frozenset({Audience.OUTDOOR_WORKERS}),
        fr="Sur un chantier, l'employeur doit mettre à disposition au moins trois litres d'eau "
        "par jour et par travailleur.",
        en="On a building site, the employer must provide at least three litres of water per "
        "worker per day.",
        source=LABOUR_CODE_WATER,
    ),
    _item(
        "heat-orange-exposed",
        _ORANGE_RED,
        frozenset({Audience.OUTDOOR_WORKERS, Audience.ATHLETES}),
        fr="Attention à la déshydratation et au coup de chaleur ; limitez vos activités physiques.",
        en="Beware of dehydration and heat stroke; limit your physical activity.",
        source=HEAT_ORANGE,
    ),
    _item(
        "heat-red-authorities",
        _RED,
        EVERYONE,
        fr="Respectez les consignes des autorités.",
        en="Follow the instructions of the authorities.",
        source=HEAT_RED,
    ),
    _item(
        "heat-red-stop-effort",
        _RED,
        EVERYONE,
        fr="Arrêtez toute activité physique.",
        en="Stop all physical activity.",
        source=HEAT_RED,
    ),
    _item(
        "heat-red-frail",
        _RED,
        EVERYONE,
        fr="Prenez soin des personnes les plus fragiles.",
        en="Look after the most vulnerable people.",
        source=HEAT_RED,
    ),
)

WATER_ITEMS = (
    _item(
        "water-nitrates-sensitive",
        _SENSITIVE,
        _INFANTS_AND_PREGNANT,
        fr="Femmes enceintes et nourrissons : ne consommez pas l'eau du robinet (boisson et "
        "usages alimentaires).",
        en="Pregnant women and infants: do not consume tap water (drinking and food uses).",
        source=WATER_NITRATES,
    ),
    _item(
        "water-nitrates-others",
        _SENSITIVE,
        EVERYONE - _INFANTS_AND_PREGNANT,
        fr="Pour le reste de la population, l'eau du robinet peut être consommée normalement.",
        en="Everyone else can consume tap water as usual.",
        source=WATER_NITRATES,
    ),
    _item(
        "water-boil",
        _BOIL,
        EVERYONE,
        fr="Faites bouillir l'eau du robinet, selon les consignes de l'ARS, avant de la boire "
        "ou de l'utiliser pour cuisiner ou vous brosser les dents.",
        en="Boil tap water, as the ARS instructs, before drinking it or using it for cooking "
        "or brushing your teeth.",
        source=WATER_BOIL,
    ),
    _item(
        "water-boil-household",
        _BOIL,
        EVERYONE,
        fr="L'eau du robinet peut toujours servir pour la douche et les usages ménagers (linge…).",
        en="Tap water can still be used for showers and household uses (laundry…).",
        source=WATER_BOIL,
    ),
    _item(
        "water-boil-bottled",
        _BOIL,
        frozenset({Audience.ELDERLY, Audience.YOUNG_CHILDREN}),
        fr="Pour les personnes fragiles ou âgées et pour les biberons des nourrissons, "
        "utilisez de l'eau en bouteille.",
        en="For frail or elderly people and for infants' bottles, use bottled water.",
        source=WATER_BOIL,
    ),
)

CATALOGUE: tuple[AdviceItem, ...] = AIR_ITEMS + POLLEN_ITEMS + HEAT_ITEMS + WATER_ITEMS

"""Official indices computed from concentrations: ATMO, European AQI, pollen and heat waves."""

"""The map stage: geocoding, OpenStreetMap data, map tiles and the base map behind the poster.

One module per job: ``geometry`` (Web Mercator and the page), ``geocode`` (addresses to
coordinates), ``maptiles`` (XYZ raster tiles from a tile server), ``basemap`` (chooses the
frame and the source and hands the poster what to draw), ``cachedir`` (where fetched things
are kept between runs).
"""

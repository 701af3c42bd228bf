"""``buurtkaart serve``: the pack maker as a page in the browser, served from this computer.

``batches`` keeps the uploaded workbooks and the packs made from them in a private folder and
runs generation on a worker thread; ``app`` is the Flask application (routes and the checks
every request passes); ``server`` binds it to 127.0.0.1 and cleans up when it stops. All of it
calls the same library functions as the command line.
"""

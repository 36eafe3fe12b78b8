'use strict';
// EM Lab's plotly.js (`make plotly-bundle` writes dashboard/static/plotly-emlab-4.1.1.min.js).
//
// plotly.js's core draws scatter traces and carries every layout component the app uses
// (shapes, annotations, legends, colour bars, hover, sliders and buttons, animation frames);
// the other trace types the app draws are registered here, and no more: each one costs the
// browser time to run the bundle on a student's first visit (issue 21). The cartesian dist
// bundle, with box, violin, pie, image, histogram2d(contour), scatterternary and the world
// calendars besides, took about 450 ms to load and run in a fresh Chromium context; this
// one about 160 ms. dashboard/components/charts.py's BUNDLE_TRACES names the same types.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/heatmap'),
    require('plotly.js/lib/histogram'),
    require('plotly.js/lib/contour'),
]);

module.exports = Plotly;

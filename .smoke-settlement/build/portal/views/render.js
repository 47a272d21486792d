"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createViews = createViews;
const eta_1 = require("eta");
function createViews(directory, cache) {
    const eta = new eta_1.Eta({ views: directory, cache, autoEscape: true, autoTrim: false });
    return {
        render(view, model) {
            return eta.render(`./${view}`, model);
        },
    };
}

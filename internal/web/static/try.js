// The demo page of the chat widget: a brand's page with the one script tag.
import { initPage } from "./common.js";

initPage();

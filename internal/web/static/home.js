// The home page: names Plateau and links to each page.
import { initPage } from "./common.js";

initPage();
const code = document.getElementById("embed-snippet");
code.textContent = `<script src="${location.origin}/widget.js" data-entry="demo" async></script>`;

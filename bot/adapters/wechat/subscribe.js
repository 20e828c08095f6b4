// The consent page inside WeChat: sign in to the JS-SDK with the server's signature so
// that WeChat shows its own consent button (wx-open-subscribe). What the person
// chooses reaches the server as a signed callback (subscribe_msg_popup_event), not
// from this page.
"use strict";
const page = document.getElementById("subscribe");
const config = JSON.parse(page.dataset.wx);
if (window.wx) {
  window.wx.config({ ...config, debug: false, jsApiList: [], openTagList: ["wx-open-subscribe"] });
}
document.getElementById("subscribe-button").addEventListener("success", () => {
  document.getElementById("subscribe-done").hidden = false;
});

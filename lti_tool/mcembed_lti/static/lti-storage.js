// LTI client-side postMessage storage (1EdTech lti-cs-oidc) and the cookie check.
// Login: put the state and nonce into the platform's storage, then go to the
// platform. Launch: read them back and let the tool compare them on the server.
(function () {
  "use strict";
  var status = document.getElementById("lti-status");
  function say(text) { if (status) { status.textContent = text; } }

  function targetWindow(name) {
    var parent = window.opener || window.parent;
    if (!name || name === "_parent") { return parent; }
    try { return parent.frames[name] || parent; } catch (e) { return parent; }
  }

  function ask(target, origin, message, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var id = Math.random().toString(36).slice(2) + Date.now().toString(36);
      message.message_id = id;
      var timer = setTimeout(function () {
        window.removeEventListener("message", listen);
        reject(new Error("the LMS did not answer"));
      }, timeoutMs || 4000);
      function listen(event) {
        if (event.origin !== origin) { return; }
        var data = event.data;
        if (typeof data !== "object" || !data || data.message_id !== id) { return; }
        if (data.subject !== message.subject + ".response") { return; }
        clearTimeout(timer);
        window.removeEventListener("message", listen);
        if (data.error) { reject(new Error(data.error.message || data.error.code || "storage error")); }
        else { resolve(data); }
      }
      window.addEventListener("message", listen);
      target.postMessage(message, origin);
    });
  }

  function showError(message, hint, code) {
    document.getElementById("lti-error-message").textContent = message;
    document.getElementById("lti-error-hint").textContent = hint;
    document.getElementById("lti-error-code").textContent = code;
    document.getElementById("lti-error").hidden = false;
    var heading = document.querySelector("h1");
    if (heading) { heading.textContent = "The tool could not open"; }
    if (status) { status.hidden = true; }
  }

  var box = document.getElementById("lti-storage");
  if (box) {
    var d = box.dataset, target = targetWindow(d.target), origin = d.origin;
    var stateKey = "mcembed_state_" + d.state, nonceKey = "mcembed_nonce_" + d.state;
    if (d.mode === "put") {
      ask(target, origin, { subject: "lti.put_data", key: stateKey, value: d.state })
        .then(function () { return ask(target, origin, { subject: "lti.put_data", key: nonceKey, value: d.nonce }); })
        .then(function () { window.location.replace(d.next); })
        .catch(function (e) {
          say("Your LMS did not keep the sign-in data (" + e.message + "); continuing.");
          window.location.replace(d.next);
        });
    } else {
      var stored = {};
      ask(target, origin, { subject: "lti.get_data", key: stateKey })
        .then(function (r) { stored.state = r.value || ""; return ask(target, origin, { subject: "lti.get_data", key: nonceKey }); })
        .then(function (r) {
          stored.nonce = r.value || "";
          return fetch(d.verify, {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-Mcembed-Storage": "1" },
            body: JSON.stringify({ id_token: d.idToken, state: d.state, stored_state: stored.state, stored_nonce: stored.nonce,
              frame_origin: d.frameOrigin || "", frame_proof: d.frameProof || "" })
          });
        })
        .then(function (resp) { return resp.json().then(function (body) { return { ok: resp.ok, body: body }; }); })
        .then(function (r) {
          if (r.ok && r.body.location) { window.location.replace(r.body.location); return; }
          showError(r.body.message || "The launch could not be confirmed.",
            r.body.hint || "The launch failed the check named below.", r.body.error || "launch");
        })
        .catch(function (e) {
          showError("The launch could not be confirmed with your LMS (" + e.message + "). Open the tool again from your course.",
            "The LMS did not answer the tool's storage request (lti.get_data).", "platform_storage");
        });
    }
  }

  var check = document.getElementById("lti-cookie-check");
  if (check) {
    var name = "mcembed_cookie_check";
    document.cookie = name + "=1; path=/; SameSite=None; Secure";
    var works = document.cookie.indexOf(name + "=1") !== -1;
    if (works) {
      document.cookie = name + "=; path=/; max-age=0; SameSite=None; Secure";
      window.location.replace(check.dataset.next);
    } else {
      document.getElementById("lti-new-window").hidden = false;
      var title = document.querySelector("h1");
      if (title) { title.textContent = "Open the tool in a new window"; }
      if (status) { status.hidden = true; }
    }
  }
})();

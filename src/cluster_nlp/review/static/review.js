// Keyboard shortcuts for the review queue, as annotation tools have them:
// j/k move between labels, a accepts, r rejects, n/p move between documents, o opens one.
(function () {
  "use strict";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(".queue-row"));
  }

  function focused() {
    return document.querySelector(".queue-row.focused");
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var index = all.indexOf(focused());
    var next = Math.min(Math.max(index + step, 0), all.length - 1);
    all.forEach(function (row) { row.classList.remove("focused"); });
    all[next].classList.add("focused");
    all[next].scrollIntoView({ block: "nearest" });
  }

  function press(selector) {
    var row = focused();
    var button = row && row.querySelector(selector);
    if (button) { button.click(); }
  }

  function follow(id) {
    var link = document.getElementById(id);
    if (link) { window.location.href = link.href; }
  }

  var keys = {
    j: function () { move(1); },
    k: function () { move(-1); },
    a: function () { press("button.accept"); },
    r: function () { press("button.reject"); },
    n: function () { follow("queue-next"); },
    p: function () { follow("queue-previous"); },
    o: function () { follow("queue-open"); }
  };

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!document.querySelector(".queue-row") && !document.getElementById("queue-open")) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) { return; }
    var action = keys[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
})();

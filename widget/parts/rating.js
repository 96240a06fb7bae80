// The rating row of a closed chat, a part the widget loads when a chat closes in the panel
// (see widget/src/2-parts.js): five stars, an optional comment and Send; the `rated` frame
// (or `already_rated`) turns the row into thanks. Built anew for each closed chat. This file
// is the body of a function of `core`; it returns the part's functions.

// The stars: large, grey until pressed.
core.addStyle(core.view.root, "[data-role=star]{height:auto;padding:0 2px;background:none;font-size:28px;line-height:32px;color:#6e7781}[aria-pressed=true]{color:#9a6700}");

function show(id) {
  const strings = core.strings;
  const form = core.view.rate;
  const title = document.createElement("p");
  const stars = document.createElement("div");
  const row = document.createElement("div");
  const comment = document.createElement("input");
  const sendButton = document.createElement("button");
  let score = 0;
  form.textContent = "";
  form.hidden = false;
  core.setText(title, strings.rateTitle);
  stars.setAttribute("role", "group");
  stars.setAttribute("aria-label", strings.rateTitle);
  for (let i = 1; i <= 5; i++) {
    const star = document.createElement("button");
    star.type = "button";
    star.setAttribute("data-role", "star");
    star.setAttribute("aria-label", i > 1 ? i + strings.rateStars[1] : strings.rateStars[0]);
    star.setAttribute("aria-pressed", "false");
    core.setText(star, "\u2605");
    star.onclick = () => {
      score = i;
      stars.childNodes.forEach((s, j) => s.setAttribute("aria-pressed", j < i));
    };
    stars.append(star);
  }
  comment.maxLength = 1000;
  comment.setAttribute("data-role", "rate-comment");
  comment.setAttribute("aria-label", comment.placeholder = strings.rateComment);
  core.setText(sendButton, strings.rateSend);
  row.append(comment, sendButton);
  form.append(title, stars, row);
  form.onsubmit = e => {
    e.preventDefault();
    if (score) core.send({ type: "rate", conversation_id: id, score, comment: comment.value.trim() });
  };
}

return { show };

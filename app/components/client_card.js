// One kanban card = one element: everything it shows comes in as one prop, so a tab holds little state.
// Which parts show is decided by classes on the board (vk-hide-<part>), the menu labels by the page (vkLabels).
// Its parts are plain HTML with Quasar's classes rather than Quasar components (a board of a few dozen cards would
// mount hundreds of components before the first card shows); the menu is mounted on its first click.
const ICON = "q-icon notranslate material-icons";
const BADGE = "q-badge flex inline items-center no-wrap q-badge--single-line bg-blue-grey-1 text-blue-grey-9";
const MENU_BUTTON =
  "q-btn q-btn-item non-selectable no-outline q-btn--flat q-btn--round q-btn--actionable q-focusable q-hoverable q-btn--dense";

export default {
  template: `
    <div class="vk-card q-pa-sm" :class="{ 'no-drag': !card.can_act, 'vk-flash': !!flash, 'vk-overdue': card.overdue > 0 }"
         :data-client-id="card.id" @click="$emit('open')">
      <div class="row no-wrap items-start">
        <div class="vk-card-name col">{{ card.name }}</div>
        <button type="button" v-ripple class="${MENU_BUTTON} vk-card-menu" style="font-size: 10px" @click.stop="menu = menuShown = true">
          <span class="q-focus-helper"></span>
          <span class="q-btn__content text-center col items-center q-anchor--skip justify-center row">
            <i class="${ICON}" aria-hidden="true">more_vert</i>
          </span>
          <q-menu v-if="menuShown" v-model="menu" no-parent-event auto-close>
            <q-list dense style="min-width: 160px">
              <q-item clickable @click="$emit('open')"><q-item-section>{{ labels.open }}</q-item-section></q-item>
              <q-item v-if="card.can_act" clickable @click="$emit('move')"><q-item-section>{{ labels.move }}</q-item-section></q-item>
            </q-list>
          </q-menu>
        </button>
      </div>
      <div class="row items-center q-gutter-x-xs vk-card-meta">
        <i class="${ICON} text-grey-7 vk-part-icons" aria-hidden="true" style="font-size: 16px" :title="card.method">{{ card.method_icon }}</i>
        <i class="${ICON} text-grey-7 vk-part-icons" aria-hidden="true" style="font-size: 16px" :title="card.touch">{{ card.touch_icon }}</i>
        <div v-if="card.project" class="${BADGE} vk-part-project" role="status">{{ card.project }}</div>
        <span v-if="card.wait" class="vk-wait" :class="'vk-wait-' + waitLevel" :data-wait-level="waitLevel" :title="waitSetup.title"
              style="margin-left: auto"><i class="${ICON}" aria-hidden="true" style="font-size: 13px">schedule</i> {{ waitText }}</span>
      </div>
      <div v-if="card.situation" class="vk-card-situation vk-part-situation">{{ card.situation }}</div>
      <div v-if="card.tags.length" class="row q-gutter-xs q-mt-xs vk-part-tags">
        <span v-for="tag in card.tags" :key="tag.name" class="vk-tag" :style="{ background: tag.color }">{{ tag.name }}</span>
      </div>
      <div v-if="card.agency" class="vk-card-line vk-part-agency"><i class="${ICON}" aria-hidden="true" style="font-size: 14px">apartment</i> {{ card.agency }}</div>
      <div v-if="card.task" class="vk-card-line vk-part-tasks" :class="{ 'text-negative text-weight-medium': card.task_overdue }">
        <i class="${ICON}" aria-hidden="true" style="font-size: 14px">event</i> {{ card.task }}<span v-if="card.more_tasks"> · +{{ card.more_tasks }}</span>
      </div>
      <div v-for="task in card.tasks_all" :key="task.text" class="vk-card-line vk-part-tasks"
           :class="{ 'text-negative text-weight-medium': task.overdue }">
        <i class="${ICON}" aria-hidden="true" style="font-size: 14px">event</i> {{ task.text }}
      </div>
      <div v-if="card.task_counter" class="vk-card-line vk-part-tasks" :class="{ 'text-negative': card.overdue }">
        <i class="${ICON}" aria-hidden="true" style="font-size: 14px">event</i> {{ card.task_counter }}
      </div>
      <div class="row no-wrap items-center justify-between vk-card-footer">
        <span class="ellipsis vk-part-responsible"><i class="${ICON}" aria-hidden="true" style="font-size: 14px">person</i> {{ card.responsible }}</span>
        <span v-if="card.documents" class="q-ml-sm text-grey-7 vk-part-documents" :data-documents="card.documents"><i class="${ICON}" aria-hidden="true" style="font-size: 14px">attach_file</i>{{ card.documents }}</span>
        <span class="q-ml-sm vk-part-created">{{ card.created }}</span>
      </div>
      <div v-if="flash" class="vk-flash-by"><i class="${ICON}" aria-hidden="true" style="font-size: 14px">bolt</i> {{ flash }}</div>
    </div>
  `,
  props: { card: Object, flash: String },
  data() {
    return { menu: false, menuShown: false, now: Date.now(), timer: null };
  },
  mounted() {
    this.tick();
  },
  unmounted() {
    clearInterval(this.timer);
  },
  watch: {
    "card.wait"() {
      this.tick();
    },
  },
  methods: {
    // only a waiting card keeps a timer; a minute's label needs no finer tick than this
    tick() {
      clearInterval(this.timer);
      this.now = Date.now();
      this.timer = this.card.wait ? setInterval(() => (this.now = Date.now()), 15000) : null;
    },
  },
  computed: {
    labels() {
      return window.vkLabels || { open: "Open", move: "Move…" };
    },
    waitSetup() {
      return window.vkWait || { windows: [], warn: 900, alarm: 3600, title: "", minutes: "{m} min", hours: "{h} h {m} min" };
    },
    // the working seconds waited: as the server counted them at `at`, plus the working time since (outside the
    // account's working hours the clock stands still, as the reports count it)
    waited() {
      const wait = this.card.wait;
      if (!wait) return 0;
      let seconds = wait.s;
      for (const [opens, closes] of this.waitSetup.windows) {
        const from = Math.max(opens, wait.at);
        const to = Math.min(closes, this.now);
        if (to > from) seconds += (to - from) / 1000;
      }
      return seconds;
    },
    waitLevel() {
      const setup = this.waitSetup;
      return this.waited >= setup.alarm ? "alarm" : this.waited >= setup.warn ? "warn" : "ok";
    },
    waitText() {
      const minutes = Math.floor(this.waited / 60);
      const template = minutes < 60 ? this.waitSetup.minutes : this.waitSetup.hours;
      return template.replace("{h}", Math.floor(minutes / 60)).replace("{m}", minutes % 60);
    },
  },
};

// One kanban card = one element: everything it shows comes in as one prop, so a tab holds little state.
// Which parts show is decided by classes on the board (vk-hide-<part>), the menu labels by the page (vkLabels).
export default {
  template: `
    <div class="vk-card q-pa-sm" :class="{ 'no-drag': !card.can_act, 'vk-flash': !!flash, 'vk-overdue': card.overdue > 0 }"
         :data-client-id="card.id" @click="$emit('open')">
      <div class="row no-wrap items-start">
        <div class="vk-card-name col">{{ card.name }}</div>
        <q-btn flat dense round size="sm" icon="more_vert" class="vk-card-menu" @click.stop>
          <q-menu auto-close>
            <q-list dense style="min-width: 160px">
              <q-item clickable @click="$emit('open')"><q-item-section>{{ labels.open }}</q-item-section></q-item>
              <q-item v-if="card.can_act" clickable @click="$emit('move')"><q-item-section>{{ labels.move }}</q-item-section></q-item>
            </q-list>
          </q-menu>
        </q-btn>
      </div>
      <div class="row items-center q-gutter-x-xs vk-card-meta">
        <q-icon class="vk-part-icons" :name="card.method_icon" size="16px" color="grey-7"><q-tooltip>{{ card.method }}</q-tooltip></q-icon>
        <q-icon class="vk-part-icons" :name="card.touch_icon" size="16px" color="grey-7"><q-tooltip>{{ card.touch }}</q-tooltip></q-icon>
        <q-badge v-if="card.project" class="vk-part-project" color="blue-grey-1" text-color="blue-grey-9" :label="card.project" />
      </div>
      <div v-if="card.situation" class="vk-card-situation vk-part-situation">{{ card.situation }}</div>
      <div v-if="card.tags.length" class="row q-gutter-xs q-mt-xs vk-part-tags">
        <span v-for="tag in card.tags" :key="tag.name" class="vk-tag" :style="{ background: tag.color }">{{ tag.name }}</span>
      </div>
      <div v-if="card.agency" class="vk-card-line vk-part-agency"><q-icon name="apartment" size="14px" /> {{ card.agency }}</div>
      <div v-if="card.task" class="vk-card-line vk-part-tasks" :class="{ 'text-negative text-weight-medium': card.task_overdue }">
        <q-icon name="event" size="14px" /> {{ card.task }}<span v-if="card.more_tasks"> · +{{ card.more_tasks }}</span>
      </div>
      <div v-for="task in card.tasks_all" :key="task.text" class="vk-card-line vk-part-tasks"
           :class="{ 'text-negative text-weight-medium': task.overdue }">
        <q-icon name="event" size="14px" /> {{ task.text }}
      </div>
      <div v-if="card.task_counter" class="vk-card-line vk-part-tasks" :class="{ 'text-negative': card.overdue }">
        <q-icon name="event" size="14px" /> {{ card.task_counter }}
      </div>
      <div class="row no-wrap items-center justify-between vk-card-footer">
        <span class="ellipsis vk-part-responsible"><q-icon name="person" size="14px" /> {{ card.responsible }}</span>
        <span class="q-ml-sm vk-part-created">{{ card.created }}</span>
      </div>
      <div v-if="flash" class="vk-flash-by"><q-icon name="bolt" size="14px" /> {{ flash }}</div>
    </div>
  `,
  props: { card: Object, flash: String },
  computed: {
    labels() {
      return window.vkLabels || { open: "Open", move: "Move…" };
    },
  },
};

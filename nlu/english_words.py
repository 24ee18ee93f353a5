"""English words that fuzzy spelling correction leaves alone (generated data).

Built by ``python -m nlu.build_english_words`` from the alphabetic words seen at
least twice in data/nlu.yml and the Banking77 training set, less known
misspellings. Do not edit by hand: add words to ``nlu.lexicon.ENGLISH_WORDS``.
"""

from __future__ import annotations

WORDS = frozenset(
    """
    a able abort about abroad absolutely accept acceptable accepted accepting accepts access
    accessed accessing accidentally accidently according account accounts accurate acquiring
    across activate activated activating activation active activity actual actually add added
    adding addition additional address adress advice advise afford afraid after afternoon again
    age agent ago agree ahead airtime alert alerts all allow allowance allowed allowing almost
    along already alright also alteration alternative alternatives although always am america
    american amex amount an and angry ann another answer any anymore anyone anything anyway
    anywhere app apparently appear appeared appearing appears apple application applied apply
    applying appreciate appreciated approve approved approximately apps are area around arrival
    arrive arrived arrives as asap ask asked asking assessed assist assistance associated at ate
    atm atms attached attempt attempted attempting attempts aud australian austria authenticate
    authentication authorise authorize authorized auto automatic automatically avail available
    average avoid awaiting aware away awful back bad bag balance balanced balances bank banking
    banks based basis bay be because become been before beforehand beg behind being believe
    beneficiary beneficiery besides best better between big bil bill billing bills birthday bit
    bitcoin blah bless block blocked blur book bora borrow both bother bought branch brand
    british broke broken bucks bus business businesses but button buy buying by bye calculated
    call called caller calling calls came can cancel canceled canceling cancellation cancelled
    cancelling cannot car card cards care careful carer carry case cash cat catch cause caused
    causing centre cents certain certainly change changed changes changing charge charged
    charges charging chat check checked checking checks checque cheers chek chen cheque cheques
    child children china chk choice choices choose chose church city clear cleared clearly
    clicked cloned close closest closing clue cncl coat code coffee college come comes
    comfortable coming company complete completed completely completing completion complicated
    compromised computer concern concerned configure configured confirm confirmed confused
    confusing connect conned consent contact contacted contactless contacts continually continue
    continuously conversion convert cool copy corect correct corrected correctly cost costs
    could council countries country couple course cover crd create credit credited cross crypto
    cryptocurrency currencies currency current currently customer customers cut d dad daily
    damaged data date daughter day days deactivate deactivated deal dear debit decide decided
    decline declined declining deducted defect definitely delay delayed delete deliver delivered
    delivery demand denied deny denying depart department deposit deposited depositing deposits
    desperately despite details determine determined device did difference different difficulty
    digits direct directions directly disable disappear disappeared disappointed discount
    discounts displaying disposable dispute dissatisfied distributed do document documentation
    documents does doing dollar dollars done double doubled down draw drunk due duplicate
    duplicated during each earlier earth easy eat eaten eats economic edit effect eh eighty
    either elaborate elec electric electricity electronic eligible else elsewhere email
    embarrassed embarrassing emergency employer empty enable end ended ending enjoy enough
    ensure enter entered entering entirely er error estimated eu eur euro europe european euros
    even evening ever every everyday everything everywhere exactly exceeded exchange exchanged
    exchanges exchanging excuse existing exit expect expected expecting expedited expensive
    experiencing expiration expire expired expires expiring explain explaining explanation
    express extra extremely facing fact factor factors fail failed failing fails failure fair
    fake false familiar family far fast faster feature fee feed feel fees fell few fiat
    fiduciary fifteen fifty figure figuring file fill finally find finding fine finish finished
    first five fix fixed fixing flat fluffy follow following for foreign forever forget
    forgetting forgot forgotten form forms forth forty forward found four frame france fraud
    frauds fraudulent free freeze frequent frequently friday friend friends from front frozen
    frustrated frustrating frz full fully function functional functioning fund funds further
    future g gained gas gave gbp germany get gets getting gift give given gives giving glare
    glitch go god goes going gone good goodbye goods goofed google got gotten granddaughter
    grandson grateful great green groceries grocery growing guess guide guys gym hacked had hae
    half hand handbag handle hands hang happen happened happening happens happy hard has hate
    hav have having he hear heard hearing hello help helper helpers helpful helping helps her
    here hey hi hidden high higher highest hill him his history hit hlpr hold holding holdings
    holiday holidays home hometown hope hoping horrible hotel hour hours house how however huh
    human hundred hurry husband hv i id idea identification identify identity if images
    immediate immediately important impression in incomplete incorrect incorrectly increase
    increased incur indeed info inform information informed informing initial initially
    initiated input inquiring inside instances instant instantly instead instructions insurance
    interbank interest interested international internationally internet intervals into invest
    investigate invite involved is issue issued issues it item items its itself jacket james job
    joe john just keep keeps kept kids kind kindly knew know knowledge known kumar l landlord
    large larger last late lately later latest learning least leave left length less lesser let
    letting life lift light like limit limitations limited limits linda line link linked linking
    list listed little live living loan local locate located location locations lock locked log
    login london long longer longest look looked looking looks lookup loose lose lost lot love
    lovely low machine machines made mail mailed main make makes making man manage managed
    manager manually many margaret market marriage married mary mastercard match mate matter max
    maximum may maybe me meal mean meaning means meant member menu merchant merchants message
    messages messed method methods metro might mike mind mine mini minimum minor minutes
    misplaced missed missing mistake mistakenly mny mobile modify moment money month monthly
    months more morning mortgage most mother move moved mrs much mugged multiple mum must my
    myself n nah name names near nearby nearest nearly necessary need needed needing needs
    neighbor neighbour nephew never new newest news next nicked niece night nine ninety no non
    none nope normal normally not nothing notice noticed noticing notification notting now
    nowhere number numbers obtain obtained obtaining occurred odd of off offer offered office
    official often oh ok okay old older on once one ones online only onto open opening operate
    operator opinion option options or order ordered ordering originally other others ought our
    out outgoing outside over overcharged overdrawn overseas owe own package paid paranoid
    pardon part pass passcode passed password past pattern pause pay paycheck payee payees
    paying payment payments payroll pencil pending pension people per perfect perform performed
    period permission permitted person personal pesos peter phone phoned photos physical
    physically pick pin place placed places planning play please plumber pocket point police
    policies policy pop possibility possible possibly post posted pound pounds power prefer
    preference preferred present press pretty prevent previous previously price prices prior
    problem problems procedure proceed process processed processing product products progress
    promised promptly proof proper properly protect prove provide provided providing proving
    pull pulled pulling purchase purchased purchases purchasing purpose purse put putting
    question questions quick quicker quickly quit quite rain raise ran random randomly rang rate
    rates rather ravi re reach reached reaches reaching reactivate read readable ready real
    realised realize realized really reason reasonable reasons recall receipt receipts receive
    received receiver receiving recent recently recharge recipient recipients recognise
    recognize recognized recognizing recommend records recover red refilled reflect reflected
    reflecting refund refunded refunds refuse refused regarding regards register regular
    reimburse reimbursed rejected rejecting related relative remainder remember remind remote
    remotely remove removed renew rent repeat repeated repeatedly replace replaced replacement
    report reported representative request requested require required requirement requirements
    requiring resend reset reside resident residents resolve resolved rest restaurant
    restrictions result results retailers retrieval retrieve return returned reverse reversed
    revert reverted review reviewing revoke rewarded ridiculous right ring rite riverside robot
    round rowlock rpt ruble rubles rules run running rush russian s sad safe safety said salary
    same sarah satisfied saturday save savings saw say saying says scam scammed scammers scams
    schedule scheme score screen second seconds secure security see seeing seem seemed seemingly
    seems seen sees select selected seller sen send sending sends sense sent sepa separate
    separately service services set setting settings settle setup seven seventy several share
    shares sharing she ship shipped shipping shop shopping short shorted should show showed
    showing shown shows shut sick side sign simple simply since single sir sister situation
    sixty size skip slow slower slowly sm small smart smith so social solution solve some
    somebody someone something somethings somewhere son soon sorry sort sorted sound sounds
    source spain spare speak speaking special specific specifically specified specify speed
    spend spending spent st standard standing start started state statement statements states
    stating station status stay stayed stays steal stealing step steps still stmnt stole stolen
    stop stopped store stores strange structure struggling stuck student stuff stupid submit
    submitted subscription successful successfully such sudden suddenly sum support supported
    suppose supposed sure suspend suspicious swallowed swallowing swift swiped switch
    switzerland system ta take taken takes taking talk talking tank tax taxes taxi tell telling
    temporarily ten tenure terminate terminated terrible test text than thank thanks that the
    their them then there these they thing things think thinking third thirty this those though
    thought thousand three through thru ticket tickets till time timeframe times tips tired to
    today together told tom tomorrow too took top topped topping topup total totally town trace
    track tracked tracking transaction transactions transfer transfering transferred
    transferring transfers trapped travel traveling travelling tricked tricks tried tries trip
    trouble troubleshoot true truly trusted try trying tuesday turn turned turns twenty twice
    two type typed types typically typing typo uh uk um unable unauthorized unaware unblock
    unblocked unblocking under understand understanding undo unexpected unfamiliar unfortunately
    unfreeze unfrozen unhappy union united unknown unless unlimited unlock unlocked unlocking
    unnecessary unpause unsatisfactory unsuccessful unsuccessfully unsupported unsure until
    unusual up update updated updates updating upon ups upset urgent urgently us usa usd use
    used user uses using usually utility vacation validate valley value vanished various
    verification verified verify verifying very via victim view virtual visa visible visit
    visited wages wait waiting wallet want wanted wanting wants warned warning warnings was
    watch water way ways wd we weather website week weekdays weekend weekends weeks weird well
    wen went were what when whenever where whether which while who whole why will wire wish with
    withdraw withdrawal withdrawals withdrawing withdrawn withdraws withdrew within without won
    wondered wondering work worked working works world worried worry worth would write wrong x y
    yeah year years yep yes yesterday yet yo york you young youngest your yours ys
    """.split()
)
